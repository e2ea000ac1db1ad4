// A reserved host port is really taken: a second reservation and any other program are
// refused until the reservation is dropped. Everything on 127.0.0.1.
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "network/ipam.hpp"
#include "network/port_reservation.hpp"

namespace asup::network {
namespace {

const std::uint32_t kLoopback = parse_ipv4("127.0.0.1").value();

// Whether a plain program could bind the port right now, with SO_REUSEADDR as servers set it.
bool bindable(std::uint16_t port, Protocol proto) {
  UniqueFd fd(
      ::socket(AF_INET, (proto == Protocol::udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0));
  REQUIRE(fd);
  int one = 1;
  REQUIRE(::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(kLoopback);
  addr.sin_port = htons(port);
  return ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

// A port the kernel calls free now: reserve port 0 and let it go.
std::uint16_t free_port(Protocol proto) {
  auto r = reserve(PortMapping{kLoopback, 0, 80, proto});
  REQUIRE(r);
  return r.value().mapping().host_port;
}

}  // namespace

TEST_CASE("a reserved port cannot be taken twice and is free again once released",
          "[network][port]") {
  for (auto proto : {Protocol::tcp, Protocol::udp}) {
    std::uint16_t port = free_port(proto);
    PortMapping mapping{kLoopback, port, 80, proto};
    {
      auto first = reserve(mapping);
      REQUIRE(first);
      CHECK(first.value().mapping() == mapping);

      auto second = reserve(PortMapping{kLoopback, port, 81, proto});
      REQUIRE_FALSE(second);
      CHECK(second.error().code == EADDRINUSE);
      CHECK(second.error().message ==
            "Bind for 127.0.0.1:" + std::to_string(port) + " failed: port is already allocated");
      // The address-wide form overlaps every address, the loopback one included.
      CHECK_FALSE(reserve(PortMapping{0, port, 80, proto}));
      CHECK_FALSE(bindable(port, proto));
    }
    CHECK(bindable(port, proto));
    CHECK(reserve(mapping));
  }
}

TEST_CASE("port 0 reserves a real port the kernel chose", "[network][port]") {
  auto a = reserve(PortMapping{kLoopback, 0, 80, Protocol::tcp});
  auto b = reserve(PortMapping{kLoopback, 0, 80, Protocol::tcp});
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a.value().mapping().host_port != 0);
  CHECK(b.value().mapping().host_port != 0);
  CHECK(a.value().mapping().host_port != b.value().mapping().host_port);
  CHECK(a.value().mapping().container_port == 80);
  CHECK_FALSE(bindable(a.value().mapping().host_port, Protocol::tcp));
}

TEST_CASE("a list of ports is reserved all or nothing", "[network][port]") {
  std::uint16_t taken_port = free_port(Protocol::tcp);
  std::uint16_t other_port = free_port(Protocol::tcp);
  REQUIRE(taken_port != other_port);
  auto taken = reserve(PortMapping{kLoopback, taken_port, 80, Protocol::tcp});
  REQUIRE(taken);

  auto all = reserve_all(
      {{kLoopback, other_port, 80, Protocol::tcp}, {kLoopback, taken_port, 81, Protocol::tcp}});
  REQUIRE_FALSE(all);
  CHECK(all.error().message ==
        "Bind for 127.0.0.1:" + std::to_string(taken_port) + " failed: port is already allocated");
  CHECK(bindable(other_port, Protocol::tcp));  // the first one was given back

  auto both = reserve_all({{kLoopback, other_port, 80, Protocol::tcp},
                           {kLoopback, other_port, 80, Protocol::udp},
                           {kLoopback, 0, 81, Protocol::tcp}});
  REQUIRE(both);
  REQUIRE(both.value().size() == 3);
  CHECK(both.value()[0].mapping().host_port == other_port);
  CHECK(both.value()[1].mapping().proto == Protocol::udp);
  CHECK(both.value()[2].mapping().host_port != 0);
}

TEST_CASE("an address the host does not have is refused", "[network][port]") {
  auto r = reserve(PortMapping{parse_ipv4("198.51.100.1").value(), 8080, 80, Protocol::tcp});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == EADDRNOTAVAIL);
  CHECK(r.error().message == "bind tcp 198.51.100.1:8080");
}

}  // namespace asup::network
