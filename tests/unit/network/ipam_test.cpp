// The address allocator as a network sees it: subnets parsed like Docker's, the reserved
// addresses never handed out, nothing handed out twice, exhaustion, and state that
// survives a restart.
#include <catch2/catch.hpp>

#include "core/fs.hpp"
#include "network/ipam.hpp"

namespace asup::network {
namespace {

struct TempDir {
  TempDir() {
    if (!::mkdtemp(path.data())) FAIL("mkdtemp");
  }
  ~TempDir() { (void)fs::remove_tree(path); }
  std::string path = "/tmp/asup-ipam-test-XXXXXX";
};

std::uint32_t ip(const std::string& text) {
  return parse_ipv4(text).value();
}

}  // namespace

TEST_CASE("subnets parse as Docker's --subnet takes them", "[network][ipam]") {
  auto s = Subnet::parse("10.88.0.0/16");
  REQUIRE(s);
  CHECK(s.value().to_string() == "10.88.0.0/16");
  CHECK(format_ipv4(s.value().broadcast()) == "10.88.255.255");
  CHECK(s.value().contains(ip("10.88.3.4")));
  CHECK_FALSE(s.value().contains(ip("10.89.0.1")));
  auto host_bits = Subnet::parse("10.88.0.1/16");
  REQUIRE_FALSE(host_bits);
  CHECK_THAT(host_bits.error().message, Catch::Contains("10.88.0.0/16"));
  for (auto bad : {"10.88.0.0", "10.88.0.0/", "10.88.0.0/33", "10.88.0/16", "x/8", "10.0.0.0/1a"})
    CHECK_FALSE(Subnet::parse(bad));
  CHECK(Subnet::parse("10.0.0.0/8").value().overlaps(Subnet::parse("10.88.0.0/16").value()));
  CHECK(Subnet::parse("10.88.0.0/16").value().overlaps(Subnet::parse("10.0.0.0/8").value()));
  CHECK_FALSE(
      Subnet::parse("10.88.0.0/16").value().overlaps(Subnet::parse("10.89.0.0/16").value()));
}

TEST_CASE("addresses skip the network, gateway and broadcast, and run out cleanly",
          "[network][ipam]") {
  TempDir tmp;
  auto subnet = Subnet::parse("192.168.7.0/29").value();  // .1-.6 are hosts
  auto ipam = Ipam::open(tmp.path + "/net.json", subnet, ip("192.168.7.1"));
  REQUIRE(ipam);
  std::vector<std::string> got;
  for (int i = 0; i < 5; ++i)
    got.push_back(format_ipv4(ipam.value().allocate("c" + std::to_string(i)).value()));
  CHECK(got == std::vector<std::string>{"192.168.7.2", "192.168.7.3", "192.168.7.4", "192.168.7.5",
                                        "192.168.7.6"});
  auto full = ipam.value().allocate("c5");
  REQUIRE_FALSE(full);
  CHECK_THAT(full.error().message, Catch::Contains("no available IPv4 address in 192.168.7.0/29"));

  // A released address is not reused while others are free, then is.
  ipam.value().release("c1");
  CHECK(format_ipv4(ipam.value().allocate("c6").value()) == "192.168.7.3");
  ipam.value().release("nobody");
}

TEST_CASE("a requested address (--ip) is handed out exactly, once", "[network][ipam]") {
  TempDir tmp;
  auto ipam =
      Ipam::open(tmp.path + "/net.json", Subnet::parse("10.90.0.0/24").value(), ip("10.90.0.1"));
  REQUIRE(ipam);
  CHECK(ipam.value().allocate("a", ip("10.90.0.50")).value() == ip("10.90.0.50"));
  auto twice = ipam.value().allocate("b", ip("10.90.0.50"));
  REQUIRE_FALSE(twice);
  CHECK_THAT(twice.error().message, Catch::Contains("already in use"));
  for (auto bad : {"10.90.0.0", "10.90.0.1", "10.90.0.255", "10.91.0.5"})
    CHECK_FALSE(ipam.value().allocate("c", ip(bad)));
}

TEST_CASE("a saved table survives a restart and a changed subnet is refused", "[network][ipam]") {
  TempDir tmp;
  std::string path = tmp.path + "/net.json";
  auto subnet = Subnet::parse("10.88.0.0/16").value();
  {
    auto ipam = Ipam::open(path, subnet, ip("10.88.0.1"));
    REQUIRE(ipam);
    CHECK(ipam.value().allocate("a").value() == ip("10.88.0.2"));
    CHECK(ipam.value().allocate("b").value() == ip("10.88.0.3"));
    ipam.value().release("a");
    // Allocating writes nothing: the file still holds the empty table open() made.
    auto unsaved = Ipam::open(path, subnet, ip("10.88.0.1"));
    REQUIRE(unsaved);
    CHECK(unsaved.value().allocated().empty());
    REQUIRE(ipam.value().save());
  }
  auto again = Ipam::open(path, subnet, ip("10.88.0.1"));
  REQUIRE(again);
  CHECK(again.value().allocated() == std::map<std::uint32_t, std::string>{{ip("10.88.0.3"), "b"}});
  CHECK(again.value().allocate("c").value() == ip("10.88.0.4"));
  // What a crash lost comes back from the containers that hold it.
  REQUIRE(again.value().hold("d", ip("10.88.0.9")));
  CHECK(again.value().allocate("e", ip("10.88.0.9")).error().code == EADDRINUSE);
  CHECK_FALSE(again.value().hold("f", ip("10.88.0.1")));      // the gateway
  CHECK_FALSE(again.value().hold("f", ip("10.88.255.255")));  // the broadcast address
  CHECK_FALSE(again.value().hold("f", ip("10.89.0.5")));      // another subnet
  CHECK_FALSE(Ipam::open(path, Subnet::parse("10.89.0.0/16").value(), ip("10.89.0.1")));
  CHECK_FALSE(Ipam::open(tmp.path + "/other.json", subnet, ip("10.89.0.1")));
  CHECK_FALSE(Ipam::open(tmp.path + "/tiny.json", Subnet::parse("10.0.0.0/31").value(), 0));
}

}  // namespace asup::network
