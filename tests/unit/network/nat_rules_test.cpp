// The network's nftables plan: what the scripts say, and, as root, that the kernel takes them
// and ends up with exactly the published ports asked for.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "network/ipam.hpp"
#include "network/nat_rules.hpp"
#include "network/nftables.hpp"
#include "skip.hpp"

namespace asup::network {
namespace {

std::uint32_t ip(const std::string& text) {
  return parse_ipv4(text).value();
}

NatNetwork example(bool internal = false) {
  return NatNetwork{"asup_bridge", "asup0", Subnet::parse("10.88.0.0/16").value(), internal};
}

PublishedPort published(const std::string& host_ip, std::uint16_t host_port,
                        std::uint16_t container_port, Protocol proto,
                        const std::string& container_ip) {
  return PublishedPort{
      PortMapping{host_ip.empty() ? 0 : ip(host_ip), host_port, container_port, proto},
      ip(container_ip),
      {}};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Changing nftables takes CAP_NET_ADMIN; without it the kernel tests are skipped.
bool root() {
  return ::geteuid() == 0;
}

// Drops the test's table however the test ends.
struct TableGuard {
  Nftables& nft;
  std::string table;
  ~TableGuard() { (void)nft.run(delete_table_script(table).value()); }
};

}  // namespace

TEST_CASE("the network table replaces itself and masquerades the subnet", "[network][nat]") {
  auto script = network_table_script(example());
  REQUIRE(script);
  const std::string& s = script.value();
  INFO(s);
  CHECK(s.rfind("add table ip asup_bridge\ndelete table ip asup_bridge\ntable ip asup_bridge {\n",
                0) == 0);
  CHECK(contains(s, "oifname != \"asup0\" ip saddr 10.88.0.0/16 masquerade\n"));
  CHECK(contains(s, "oifname \"asup0\" ip saddr 127.0.0.0/8 masquerade\n"));
  CHECK(contains(s, "oifname \"asup0\" ip saddr 10.88.0.0/16 ct status dnat masquerade\n"));
  CHECK(contains(s, "map publish_tcp {\n\t\ttype inet_service : ipv4_addr . inet_service\n"));
  CHECK(contains(s, "map publish_udp {\n\t\ttype inet_service : ipv4_addr . inet_service\n"));
  CHECK(contains(s,
                 "map publish_addr_tcp {\n\t\ttype ipv4_addr . inet_service : ipv4_addr . "
                 "inet_service\n"));
  CHECK(contains(s,
                 "type nat hook prerouting priority dstnat; policy accept;\n"
                 "\t\tfib daddr type local jump publish\n"));
  CHECK(contains(s,
                 "type nat hook output priority -100; policy accept;\n"
                 "\t\tfib daddr type local jump publish\n"));
  // One address before every address.
  CHECK(s.find("dnat ip to ip daddr . tcp dport map @publish_addr_tcp") <
        s.find("dnat ip to tcp dport map @publish_tcp"));
  CHECK(contains(s,
                 "type filter hook forward priority filter; policy accept;\n"
                 "\t\tiifname \"asup0\" accept\n\t\toifname \"asup0\" accept\n"));
  CHECK_FALSE(contains(s, "drop"));
  CHECK_FALSE(contains(s, "element"));
}

TEST_CASE("an internal network is not masqueraded and drops traffic off the bridge",
          "[network][nat]") {
  auto s = network_table_script(example(true)).value();
  INFO(s);
  CHECK_FALSE(contains(s, "oifname != \"asup0\" ip saddr 10.88.0.0/16 masquerade"));
  CHECK(contains(s, "iifname \"asup0\" oifname != \"asup0\" drop\n"));
  CHECK(contains(s, "oifname \"asup0\" iifname != \"asup0\" drop\n"));
  CHECK(contains(s, "oifname \"asup0\" ip saddr 127.0.0.0/8 masquerade\n"));
}

TEST_CASE("published ports become map elements", "[network][nat]") {
  std::vector<PublishedPort> ports{published("", 8080, 80, Protocol::tcp, "10.88.0.2"),
                                   published("127.0.0.1", 5353, 53, Protocol::udp, "10.88.0.3")};
  const std::string add_tcp = "add element ip asup_bridge publish_tcp { 8080 : 10.88.0.2 . 80 }\n";
  const std::string add_udp =
      "add element ip asup_bridge publish_addr_udp { 127.0.0.1 . 5353 : 10.88.0.3 . 53 }\n";
  CHECK(add_ports_script("asup_bridge", ports).value() == add_tcp + add_udp);
  CHECK(remove_ports_script("asup_bridge", ports).value() ==
        add_tcp + "delete element ip asup_bridge publish_tcp { 8080 }\n" + add_udp +
            "delete element ip asup_bridge publish_addr_udp { 127.0.0.1 . 5353 }\n");
  auto rebuilt = network_table_script(example(), ports).value();
  CHECK(rebuilt.substr(rebuilt.size() - add_tcp.size() - add_udp.size()) == add_tcp + add_udp);
  CHECK(delete_table_script("asup_bridge").value() ==
        "add table ip asup_bridge\ndelete table ip asup_bridge\n");
}

TEST_CASE("names that could inject nft commands and unresolved ports are refused",
          "[network][nat]") {
  auto net = example();
  net.table = "x }\nflush ruleset";
  CHECK_THAT(network_table_script(net).error().message,
             Catch::StartsWith("invalid nftables table name"));
  net = example();
  net.bridge = "asup0\" accept";
  CHECK_THAT(network_table_script(net).error().message, Catch::StartsWith("invalid bridge name"));
  net.bridge = "a_very_long_bridge";
  CHECK_FALSE(network_table_script(net));
  CHECK_FALSE(delete_table_script("1table"));
  CHECK_FALSE(add_ports_script("t t", {}));
  auto unresolved =
      add_ports_script("asup_bridge", {published("", 0, 80, Protocol::tcp, "10.88.0.2")});
  REQUIRE_FALSE(unresolved);
  CHECK(unresolved.error().message ==
        "cannot publish 0.0.0.0:0->80/tcp to 10.88.0.2: ports and address must be set");
}

TEST_CASE("as root the kernel takes the table and its published ports", "[network][nat][root]") {
  if (!root()) ASUP_SKIP("changing nftables needs root");
  auto opened = Nftables::open();
  REQUIRE(opened);
  Nftables& nft = opened.value();
  std::string pid = std::to_string(::getpid());
  NatNetwork net{"asup_test_" + pid, "asupt" + pid, Subnet::parse("10.123.0.0/24").value(), false};
  TableGuard guard{nft, net.table};
  auto list = [&] {
    auto text = nft.list("table ip " + net.table);
    INFO((text ? std::string() : text.error().message));
    REQUIRE(text);
    return text.value();
  };

  auto web = published("", 18080, 80, Protocol::tcp, "10.123.0.2");
  auto dns = published("127.0.0.1", 15353, 53, Protocol::udp, "10.123.0.3");
  REQUIRE(nft.run(network_table_script(net, {web}).value()));
  std::string text = list();
  INFO(text);
  CHECK(contains(text, "elements = { 18080 : 10.123.0.2 . 80 }"));
  CHECK(contains(text, "oifname != \"" + net.bridge + "\" ip saddr 10.123.0.0/24 masquerade"));
  CHECK(contains(text, "dnat ip to ip daddr . tcp dport map @publish_addr_tcp"));
  CHECK(contains(text, "type nat hook output priority -100; policy accept;"));

  REQUIRE(nft.run(add_ports_script(net.table, {dns}).value()));
  CHECK(contains(list(), "elements = { 127.0.0.1 . 15353 : 10.123.0.3 . 53 }"));
  // The same ports again are no change; the host port to another container is refused.
  REQUIRE(nft.run(add_ports_script(net.table, {web, dns}).value()));
  auto clash = nft.run(
      add_ports_script(net.table, {published("", 18080, 80, Protocol::tcp, "10.123.0.9")}).value());
  REQUIRE_FALSE(clash);
  CHECK_THAT(clash.error().message,
             Catch::StartsWith("apply nftables script: Could not process rule: File exists") &&
                 Catch::Contains("publish_tcp { 18080 : 10.123.0.9 . 80 }"));
  CHECK_FALSE(contains(list(), "10.123.0.9"));

  // Rebuilding (a daemon restart) keeps exactly the live ports.
  REQUIRE(nft.run(network_table_script(net, {web, dns}).value()));
  text = list();
  CHECK(contains(text, "elements = { 18080 : 10.123.0.2 . 80 }"));
  CHECK(contains(text, "elements = { 127.0.0.1 . 15353 : 10.123.0.3 . 53 }"));

  REQUIRE(nft.run(remove_ports_script(net.table, {web}).value()));
  text = list();
  CHECK_FALSE(contains(text, "18080"));
  CHECK(contains(text, "15353"));
  REQUIRE(nft.run(remove_ports_script(net.table, {web, dns}).value()));  // again: no error
  CHECK_FALSE(contains(list(), "elements"));

  net.internal = true;
  REQUIRE(nft.check(network_table_script(net).value()));
  CHECK_FALSE(contains(list(), "drop"));  // checked, not applied

  REQUIRE(nft.run(delete_table_script(net.table).value()));
  auto gone = nft.list("table ip " + net.table);
  REQUIRE_FALSE(gone);
  CHECK_THAT(gone.error().message, Catch::Contains("No such file or directory"));
  REQUIRE(nft.run(delete_table_script(net.table).value()));  // already gone: no error
}

TEST_CASE("nft errors name the complaint and the script line", "[network][nat][root]") {
  if (!root()) ASUP_SKIP("changing nftables needs root");
  auto nft = Nftables::open();
  REQUIRE(nft);
  auto syntax =
      nft.value().check("add table ip asup_syntax\nadd chain ip asup_syntax c { bogus }\n");
  REQUIRE_FALSE(syntax);
  INFO(syntax.error().message);
  CHECK_THAT(syntax.error().message,
             Catch::StartsWith("check nftables script: syntax error") &&
                 Catch::EndsWith("(line 2: add chain ip asup_syntax c { bogus })"));
  CHECK(syntax.error().message.find('\n') == std::string::npos);
}

}  // namespace asup::network
