// A real resolver on loopback in the test's own process, its loop on a thread of its own,
// asked as a container's resolver would be: over UDP and TCP, for the network's names and
// for names only the host's resolvers (a fake one on another port) know.
#include "dns/server.hpp"

#include <catch2/catch.hpp>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "dns/netns_sockets.hpp"
#include "dns_client.hpp"
#include "fake_upstream.hpp"
#include "loop_thread.hpp"

namespace asup::dns {
namespace {

using namespace std::chrono_literals;
using testing::ask_udp;
using testing::FakeUpstream;
using testing::make_query;
using testing::parse_reply;
using testing::TcpClient;

constexpr std::uint32_t kDb = 0x0a580002;   // 10.88.0.2
constexpr std::uint32_t kDb2 = 0x0a580003;  // 10.88.0.3

// The engine's side: the names of the network's containers, changed by the test.
struct Names {
  std::mutex mutex;
  std::map<std::string, std::vector<std::uint32_t>, std::less<>> table{{"db", {kDb, kDb2}}};

  Lookup lookup() {
    return [this](std::string_view name) {
      std::lock_guard lock(mutex);
      auto it = table.find(name);
      return it == table.end() ? std::vector<std::uint32_t>{} : it->second;
    };
  }
  void erase(const std::string& name) {
    std::lock_guard lock(mutex);
    table.erase(name);
  }
};

Upstream upstream_at(std::uint16_t port) {
  return Upstream{INADDR_LOOPBACK, port};
}

// A server on 127.0.0.1 at a free port, started and destroyed on its loop's thread.
struct Running {
  explicit Running(ServerConfig config) {
    auto sockets = bind_resolver_sockets(INADDR_LOOPBACK, 0).value();
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    ::getsockname(sockets.udp.get(), reinterpret_cast<sockaddr*>(&sa), &len);
    port = ntohs(sa.sin_port);
    server = loop.call([&] {
      return Server::start(loop.io(), std::move(sockets.udp), std::move(sockets.tcp),
                           std::move(config))
          .value();
    });
  }
  ~Running() {
    loop.call([&] {
      server.reset();
      return 0;
    });
  }
  std::size_t forwards() {
    return loop.call([&] { return server->forwards_in_flight(); });
  }
  std::size_t connections() {
    return loop.call([&] { return server->tcp_connections(); });
  }

  testing::LoopThread loop;
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
};

ServerConfig config_with(Names& names, std::vector<Upstream> upstreams = {}) {
  ServerConfig config;
  config.lookup = names.lookup();
  config.upstreams = std::move(upstreams);
  return config;
}

}  // namespace

TEST_CASE("the network's names answer over UDP: A with every address, AAAA empty") {
  Names names;
  FakeUpstream upstream;
  Running dns(config_with(names, {upstream_at(upstream.port())}));

  auto a = parse_reply(ask_udp(dns.port, make_query(0x1111, "DB.", rr::kA)).value());
  CHECK(a.id == 0x1111);
  CHECK(a.rcode == 0);
  CHECK(a.question == "DB");
  CHECK(a.addresses == std::vector<std::uint32_t>{kDb, kDb2});
  CHECK(a.ttls == std::vector<std::uint32_t>{600, 600});

  auto aaaa = parse_reply(ask_udp(dns.port, make_query(0x2222, "db", rr::kAaaa)).value());
  CHECK(aaaa.rcode == 0);
  CHECK(aaaa.addresses.empty());
  CHECK(upstream.udp_queries() == 0);
}

TEST_CASE("a name that left stops resolving at once") {
  Names names;
  Running dns(config_with(names));
  CHECK(parse_reply(ask_udp(dns.port, make_query(1, "db", rr::kA)).value()).addresses.size() == 2);
  names.erase("db");
  auto gone = parse_reply(ask_udp(dns.port, make_query(2, "db", rr::kA)).value());
  // No upstream: nobody else could know the name.
  CHECK(gone.rcode == 3);
  CHECK(gone.addresses.empty());
}

TEST_CASE("other names go to the host's resolver and come back with the client's id") {
  Names names;
  FakeUpstream upstream;
  Running dns(config_with(names, {upstream_at(upstream.port())}));
  auto reply = parse_reply(ask_udp(dns.port, make_query(0xabcd, "example.org", rr::kA)).value());
  CHECK(reply.id == 0xabcd);
  CHECK(reply.rcode == 0);
  CHECK(reply.question == "example.org");
  CHECK(reply.addresses == std::vector<std::uint32_t>{testing::kUpstreamAnswer});
  CHECK(upstream.udp_queries() == 1);
  CHECK(upstream.tcp_queries() == 0);
  CHECK(dns.forwards() == 0);
}

TEST_CASE("a silent upstream is given up after the timeout for the next one") {
  Names names;
  FakeUpstream silent(true), good;
  auto config = config_with(names, {upstream_at(silent.port()), upstream_at(good.port())});
  config.forward_timeout = 200ms;
  Running dns(std::move(config));
  auto reply = parse_reply(ask_udp(dns.port, make_query(5, "example.org", rr::kA)).value());
  CHECK(reply.addresses == std::vector<std::uint32_t>{testing::kUpstreamAnswer});
  CHECK(silent.udp_queries() == 1);
  CHECK(good.udp_queries() == 1);
}

TEST_CASE("an upstream nobody listens on is given up at once") {
  Names names;
  FakeUpstream good;
  // A port just freed: nothing listens there, so the kernel answers port unreachable.
  std::uint16_t closed = [] {
    FakeUpstream gone;
    return gone.port();
  }();
  auto config = config_with(names, {upstream_at(closed), upstream_at(good.port())});
  config.forward_timeout = 60s;  // the answer must not wait for it
  Running dns(std::move(config));
  auto reply = parse_reply(ask_udp(dns.port, make_query(6, "example.org", rr::kA)).value());
  CHECK(reply.addresses == std::vector<std::uint32_t>{testing::kUpstreamAnswer});
}

TEST_CASE("when no upstream answers the client gets SERVFAIL") {
  Names names;
  FakeUpstream silent(true);
  auto config = config_with(names, {upstream_at(silent.port())});
  config.forward_timeout = 100ms;
  Running dns(std::move(config));
  auto reply = parse_reply(ask_udp(dns.port, make_query(7, "example.org", rr::kA)).value());
  CHECK(reply.id == 7);
  CHECK(reply.rcode == 2);
  // One retry; with a single upstream it is asked again.
  CHECK(silent.udp_queries() == 2);
}

TEST_CASE("TCP carries several queries per connection and forwards over TCP") {
  Names names;
  FakeUpstream upstream;
  Running dns(config_with(names, {upstream_at(upstream.port())}));
  TcpClient client(dns.port);
  REQUIRE(client.connected());
  client.send(make_query(1, "db", rr::kA));
  client.send(make_query(2, "example.org", rr::kA));
  client.send(make_query(3, "db", rr::kAaaa));
  std::map<std::uint16_t, testing::ParsedReply> replies;
  for (int i = 0; i < 3; ++i) {
    auto r = parse_reply(client.receive().value());
    replies[r.id] = r;
  }
  CHECK(replies.at(1).addresses == std::vector<std::uint32_t>{kDb, kDb2});
  CHECK(replies.at(2).addresses == std::vector<std::uint32_t>{testing::kUpstreamAnswer});
  CHECK(replies.at(3).rcode == 0);
  CHECK(replies.at(3).addresses.empty());
  CHECK(upstream.tcp_queries() == 1);
  CHECK(upstream.udp_queries() == 0);
}

TEST_CASE("a TCP message may arrive in pieces") {
  Names names;
  Running dns(config_with(names));
  TcpClient client(dns.port);
  auto query = make_query(9, "db", rr::kA);
  testing::Bytes frame{0, static_cast<std::uint8_t>(query.size())};
  frame.insert(frame.end(), query.begin(), query.end());
  client.send_raw(testing::Bytes(frame.begin(), frame.begin() + 1));
  client.send_raw(testing::Bytes(frame.begin() + 1, frame.begin() + 7));
  client.send_raw(testing::Bytes(frame.begin() + 7, frame.end()));
  CHECK(parse_reply(client.receive().value()).addresses.size() == 2);
}

TEST_CASE("queries the resolver does not serve get REFUSED or FORMERR, responses nothing") {
  Names names;
  Running dns(config_with(names));
  auto notify = parse_reply(ask_udp(dns.port, make_query(1, "db", rr::kA, 4)).value());
  CHECK(notify.rcode == 5);
  CHECK(notify.addresses.empty());

  auto broken = make_query(2, "db", rr::kA);
  broken[12] = 0xc0;  // the name now points at itself
  broken[13] = 12;
  auto formerr = parse_reply(ask_udp(dns.port, broken).value());
  CHECK(formerr.id == 2);
  CHECK(formerr.rcode == 1);

  // A response is never answered; the TCP connection stays open and serves the next query.
  TcpClient client(dns.port);
  auto response = make_query(3, "db", rr::kA);
  response[2] |= 0x80;
  client.send(response);
  client.send(make_query(4, "db", rr::kA));
  auto next = parse_reply(client.receive().value());
  CHECK(next.id == 4);
}

TEST_CASE("forwards in flight are bounded: beyond the bound UDP queries are dropped") {
  Names names;
  FakeUpstream silent(true);
  auto config = config_with(names, {upstream_at(silent.port())});
  config.max_forwards = 2;
  config.forward_timeout = 30s;
  Running dns(std::move(config));

  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa = testing::loopback(dns.port);
  auto send = [&](const testing::Bytes& q) {
    ::sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  };
  send(make_query(1, "one.example", rr::kA));
  send(make_query(2, "two.example", rr::kA));
  testing::wait_until([&] { return silent.udp_queries() == 2; });
  send(make_query(3, "three.example", rr::kA));
  // Datagrams on one socket are served in order: once this is answered, so was the third.
  send(make_query(4, "db", rr::kA));
  REQUIRE(testing::wait_readable(fd, 5s));
  testing::Bytes buf(512);
  auto n = ::recv(fd, buf.data(), buf.size(), 0);
  buf.resize(static_cast<std::size_t>(n));
  CHECK(parse_reply(buf).id == 4);
  CHECK(dns.forwards() == 2);
  CHECK(silent.udp_queries() == 2);
  ::close(fd);
  // Destroying the server abandons both forwards.
}

TEST_CASE("idle TCP connections are closed, and their number is bounded") {
  Names names;
  auto config = config_with(names);
  config.max_tcp_connections = 1;
  config.tcp_idle_timeout = 1s;
  Running dns(std::move(config));
  TcpClient first(dns.port);
  first.send(make_query(1, "db", rr::kA));
  REQUIRE(first.receive());
  TcpClient second(dns.port);
  CHECK(second.closed_by_peer(5s));
  CHECK(dns.connections() == 1);
  CHECK(first.closed_by_peer(5s));
  testing::wait_until([&] { return dns.connections() == 0; });
  CHECK(dns.connections() == 0);
}

TEST_CASE("PTR questions for the network's addresses name the container") {
  Names names;
  auto config = config_with(names);
  config.reverse = [](std::uint32_t address) -> std::optional<std::string> {
    if (address == kDb) return std::string("db");
    return std::nullopt;
  };
  Running dns(std::move(config));
  auto reply =
      parse_reply(ask_udp(dns.port, make_query(1, "2.0.88.10.in-addr.arpa", rr::kPtr)).value());
  CHECK(reply.rcode == 0);
  CHECK(reply.pointers == std::vector<std::string>{"db"});
}

TEST_CASE("a lookup that throws answers SERVFAIL and the server goes on") {
  Names names;
  auto config = config_with(names);
  config.lookup = [inner = names.lookup()](std::string_view name) {
    if (name == "boom") throw std::runtime_error("lookup failed");
    return inner(name);
  };
  Running dns(std::move(config));
  CHECK(parse_reply(ask_udp(dns.port, make_query(1, "boom", rr::kA)).value()).rcode == 2);
  CHECK(parse_reply(ask_udp(dns.port, make_query(2, "db", rr::kA)).value()).addresses.size() == 2);
}

TEST_CASE("parse_upstream reads addresses with and without a port") {
  CHECK(parse_upstream("192.0.2.1").value() == Upstream{0xc0000201, 53});
  CHECK(parse_upstream("192.0.2.1:5353").value() == Upstream{0xc0000201, 5353});
  CHECK_FALSE(parse_upstream("192.0.2.1:0"));
  CHECK_FALSE(parse_upstream("192.0.2.1:99999"));
  CHECK_FALSE(parse_upstream("dns.example:53"));
  CHECK_FALSE(parse_upstream("::1"));
  CHECK(to_string(Upstream{0xc0000201, 53}) == "192.0.2.1:53");
}

}  // namespace asup::dns
