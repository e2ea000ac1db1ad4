// The embedded DNS resolver of user networks, as a Docker user meets it: `nslookup db` from
// a peer answers db's address, its alias and its short id (over UDP and TCP); a name that
// left the network stops resolving at once; names asupd does not hold go to the host's
// resolvers or to --dns, here a tiny responder the test runs on a loopback address; and a
// restarted asupd serves the containers it re-adopts.
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "harness.hpp"
#include "network_support.hpp"
#include "skip.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

std::string address_on(Daemon& d, const std::string& id, const std::string& network) {
  auto networks = d.inspect(id).at("NetworkSettings").value("Networks", nlohmann::json::object());
  return networks.contains(network) ? networks[network].value("IPAddress", "") : "";
}

Result nslookup(Daemon& d, const std::string& from, const std::string& name) {
  return d.try_run({"exec", from, "nslookup", name});
}

// nslookup's answer names `address` for the name asked.
bool resolves_to(Daemon& d, const std::string& from, const std::string& name,
                 const std::string& address) {
  auto r = nslookup(d, from, name);
  return r.code == 0 && contains(r.out, "Address: " + address);
}

// The name is not answered from asupd's memory any more: asked upstream, where the host's
// resolvers say what they say about it, but never `address`.
bool does_not_resolve(Daemon& d, const std::string& from, const std::string& name,
                      const std::string& address) {
  auto r = nslookup(d, from, name);
  return r.code != 0 && !contains(r.out, address);
}

// A DNS server on ADDRESS:53/udp in the host's namespace answering every A question with
// `answer`, until it goes out of scope.
class UpstreamResolver {
 public:
  UpstreamResolver(const std::string& address, const std::string& answer) : address_(address) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(53);
    ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
    ::inet_pton(AF_INET, answer.c_str(), answer_);
    bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (bound_) thread_ = std::thread([this] { serve(); });
  }
  ~UpstreamResolver() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  bool bound() const { return bound_; }
  int questions() const { return questions_; }

 private:
  void serve() {
    // Bounded: 600 polls of 100 ms at most.
    for (int round = 0; round < 600 && !stop_; ++round) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      unsigned char buf[512];
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &len);
      if (n < 17) continue;
      std::size_t at = 12;
      while (at < static_cast<std::size_t>(n) && buf[at] != 0) at += buf[at] + 1u;
      at += 5;  // the root label, type and class
      if (at > static_cast<std::size_t>(n)) continue;
      ++questions_;
      const bool a_question = buf[at - 3] == 1;
      std::string reply(reinterpret_cast<char*>(buf), at);
      reply[2] = static_cast<char>(0x81);  // QR, RD
      reply[3] = static_cast<char>(0x80);  // RA, NOERROR
      reply[6] = 0;
      reply[7] = a_question ? 1 : 0;
      reply[8] = reply[9] = reply[10] = reply[11] = 0;
      if (a_question) {
        const unsigned char record[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
        reply.append(reinterpret_cast<const char*>(record), sizeof record);
        reply.append(reinterpret_cast<const char*>(answer_), 4);
      }
      ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), len);
    }
  }

  std::string address_;
  int fd_ = -1;
  unsigned char answer_[4] = {};
  bool bound_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<int> questions_{0};
  std::thread thread_;
};

// A loopback address of this test process's own, so parallel runs do not share it.
std::string unique_loopback() {
  const unsigned pid = static_cast<unsigned>(::getpid());
  return "127.53." + std::to_string((pid >> 8) & 0xff) + "." + std::to_string((pid & 0xff) | 1);
}

}  // namespace

TEST_CASE("nslookup from a peer answers a container's name, alias and short id",
          "[dns][integration]") {
  Daemon d;
  UserNetwork net(d);
  auto db = d.run_detached({"--name", "db", "--network", net.name(), "--network-alias", "database",
                            "busybox", "sleep", "300"});
  auto peer = d.run_detached({"--network", net.name(), "busybox", "sleep", "300"});
  const std::string ip = address_on(d, db, net.name());
  REQUIRE(!ip.empty());

  auto resolv = d.run({"exec", peer, "cat", "/etc/resolv.conf"});
  CHECK(contains(resolv.out, "nameserver 127.0.0.11\n"));
  CHECK(contains(resolv.out, "ndots:0"));

  auto r = nslookup(d, peer, "db");
  INFO(r);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Name:\tdb"));
  CHECK(contains(r.out, "Address: " + ip));
  CHECK(resolves_to(d, peer, "database", ip));
  CHECK(resolves_to(d, peer, db.substr(0, 12), ip));
  CHECK(resolves_to(d, peer, "DB", ip));
  // A name nobody has, with no upstream that knows it either.
  CHECK_FALSE(nslookup(d, peer, "nobody-here.invalid").code == 0);
}

TEST_CASE("a name stops resolving once its container is disconnected or removed",
          "[dns][integration]") {
  Daemon d;
  UserNetwork net(d);
  auto db = d.run_detached({"--name", "db", "--network", net.name(), "--network-alias", "database",
                            "busybox", "sleep", "300"});
  auto peer = d.run_detached({"--network", net.name(), "busybox", "sleep", "300"});
  const std::string ip = address_on(d, db, net.name());
  REQUIRE(resolves_to(d, peer, "db", ip));

  auto off = d.run({"network", "disconnect", net.name(), "db"});
  REQUIRE(off.code == 0);
  CHECK(does_not_resolve(d, peer, "db", ip));
  CHECK(does_not_resolve(d, peer, "database", ip));

  auto on = d.run({"network", "connect", net.name(), "db"});
  REQUIRE(on.code == 0);
  const std::string again = address_on(d, db, net.name());
  CHECK(resolves_to(d, peer, "db", again));

  auto rm = d.run({"rm", "-f", "db"});
  REQUIRE(rm.code == 0);
  CHECK(does_not_resolve(d, peer, "db", again));
}

TEST_CASE("the resolver answers over TCP too", "[dns][integration]") {
  Daemon d;
  UserNetwork net(d);
  auto db = d.run_detached({"--name", "db", "--network", net.name(), "busybox", "sleep", "300"});
  const std::string ip = address_on(d, db, net.name());
  auto r = d.run({"run", "--rm", "--network", net.name(), "-v", test_helpers_dir() + ":/helpers:ro",
                  "busybox", "/helpers/dns_query", "--tcp", "127.0.0.11", "db"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(trim(r.out) == ip);
  auto udp =
      d.run({"run", "--rm", "--network", net.name(), "-v", test_helpers_dir() + ":/helpers:ro",
             "busybox", "/helpers/dns_query", "127.0.0.11", "nobody-here.invalid"});
  CHECK(udp.code == 1);
}

TEST_CASE("names asupd does not hold go to the --dns servers", "[dns][integration]") {
  Daemon d;
  UserNetwork net(d);
  const std::string upstream = unique_loopback();
  UpstreamResolver resolver(upstream, "198.51.100.7");
  if (!resolver.bound()) {
    ASUP_SKIP("cannot bind " + upstream + ":53 for the upstream resolver");
  }
  auto peer =
      d.run_detached({"--network", net.name(), "--dns", upstream, "busybox", "sleep", "300"});
  auto r = nslookup(d, peer, "outside.example");
  INFO(r);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Address: 198.51.100.7"));
  CHECK(resolver.questions() > 0);
  // The container still asks the embedded resolver, not the --dns server itself.
  auto resolv = d.run({"exec", peer, "cat", "/etc/resolv.conf"});
  CHECK(contains(resolv.out, "nameserver 127.0.0.11\n"));
  CHECK_FALSE(contains(resolv.out, upstream));
  CHECK(d.inspect(peer)["HostConfig"]["Dns"] == nlohmann::json::array({upstream}));
}

TEST_CASE("a restarted asupd serves the names of the containers it re-adopts",
          "[dns][integration]") {
  Daemon d;
  UserNetwork net(d);
  auto db = d.run_detached({"--name", "db", "--network", net.name(), "busybox", "sleep", "300"});
  auto peer = d.run_detached({"--network", net.name(), "busybox", "sleep", "300"});
  const std::string ip = address_on(d, db, net.name());
  REQUIRE(resolves_to(d, peer, "db", ip));
  d.restart();
  CHECK(resolves_to(d, peer, "db", ip));
  auto rm = d.run({"rm", "-f", "db"});
  REQUIRE(rm.code == 0);
  CHECK(does_not_resolve(d, peer, "db", ip));
}
