// `-p` specs as `docker run` takes them, and the errors it gives for the ones it refuses.
#include <catch2/catch.hpp>

#include "network/ipam.hpp"
#include "network/port_spec.hpp"

namespace asup::network {
namespace {

std::uint32_t ip(const std::string& text) {
  return parse_ipv4(text).value();
}

std::vector<PortMapping> parsed(const std::string& spec) {
  auto r = parse_port_spec(spec);
  INFO(spec << ": " << (r ? std::string() : r.error().message));
  REQUIRE(r);
  return r.value();
}

std::string error_of(const std::string& spec) {
  auto r = parse_port_spec(spec);
  INFO(spec);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == EINVAL);
  return r.error().message;
}

}  // namespace

TEST_CASE("the publish forms of docker run parse into one mapping per port", "[network][port]") {
  using P = Protocol;
  CHECK(parsed("8080:80") == std::vector<PortMapping>{{0, 8080, 80, P::tcp}});
  CHECK(parsed("127.0.0.1:8080:80/udp") ==
        std::vector<PortMapping>{{ip("127.0.0.1"), 8080, 80, P::udp}});
  CHECK(parsed("80") == std::vector<PortMapping>{{0, 0, 80, P::tcp}});
  CHECK(parsed("127.0.0.1::80") == std::vector<PortMapping>{{ip("127.0.0.1"), 0, 80, P::tcp}});
  CHECK(parsed("8000-8001:80-81") ==
        std::vector<PortMapping>{{0, 8000, 80, P::tcp}, {0, 8001, 81, P::tcp}});
  CHECK(parsed("80-82/udp") ==
        std::vector<PortMapping>{{0, 0, 80, P::udp}, {0, 0, 81, P::udp}, {0, 0, 82, P::udp}});
  CHECK(parsed("0.0.0.0:53:53/udp") == std::vector<PortMapping>{{0, 53, 53, P::udp}});
  CHECK(parsed("[10.1.2.3]:443:8443") ==
        std::vector<PortMapping>{{ip("10.1.2.3"), 443, 8443, P::tcp}});
  // Docker's leniencies: an empty address or host port, an empty or upper-case protocol.
  CHECK(parsed("::80") == std::vector<PortMapping>{{0, 0, 80, P::tcp}});
  CHECK(parsed(":80") == std::vector<PortMapping>{{0, 0, 80, P::tcp}});
  CHECK(parsed("0:80") == std::vector<PortMapping>{{0, 0, 80, P::tcp}});
  CHECK(parsed("80/") == std::vector<PortMapping>{{0, 0, 80, P::tcp}});
  CHECK(parsed("8080:80/UDP") == std::vector<PortMapping>{{0, 8080, 80, P::udp}});
  CHECK(parsed("65535:65535") == std::vector<PortMapping>{{0, 65535, 65535, P::tcp}});
}

TEST_CASE("bad publish specs fail with the docker text", "[network][port]") {
  CHECK(error_of("") == "no port specified: <empty>");
  CHECK(error_of("8080:") == "no port specified: 8080:<empty>");
  CHECK(error_of("8080:/udp") == "no port specified: 8080:/udp<empty>");
  CHECK(error_of("8080 :80") == "invalid port format: 8080 :80");
  CHECK(error_of("abc") == "invalid containerPort: abc");
  CHECK(error_of("8080:0") == "invalid containerPort: 0");
  CHECK(error_of("8080:65536") == "invalid containerPort: 65536");
  CHECK(error_of("8080:-80") == "invalid containerPort: -80");
  CHECK(error_of("81-80") == "invalid containerPort: 81-80");
  CHECK(error_of("80-") == "invalid containerPort: 80-");
  CHECK(error_of("x:80") == "invalid hostPort: x");
  CHECK(error_of("70000:80") == "invalid hostPort: 70000");
  CHECK(error_of("8080/udp:80") == "invalid hostPort: 8080/udp");
  CHECK(error_of("8001-8000:80") == "invalid hostPort: 8001-8000");
  CHECK(error_of("80/sctp") == "invalid proto: sctp");
  CHECK(error_of("8080:80/tcp/udp") == "invalid proto: tcp/udp");
  CHECK(error_of("8000-8002:80-81") ==
        "invalid ranges specified for container and host Ports: 80-81 and 8000-8002");
  CHECK(error_of("8080:80-81") ==
        "invalid ranges specified for container and host Ports: 80-81 and 8080");
  CHECK(error_of("8000-8001:80") ==
        "invalid ranges specified for container and host Ports: 80 and 8000-8001 (a host port "
        "range needs a container port range of the same length)");
  CHECK(error_of("localhost:8080:80") == "invalid IP address: localhost");
  CHECK(error_of("300.0.0.1:8080:80") == "invalid IP address: 300.0.0.1");
  CHECK(error_of("[127.0.0.1:8080:80") == "invalid IP address: [127.0.0.1");
  CHECK(error_of("[::1]:80:80") ==
        "invalid IP address: ::1 (only IPv4 host addresses are supported)");
  CHECK(error_of("::1:80:80") ==
        "invalid IP address: ::1 (only IPv4 host addresses are supported)");
}

TEST_CASE("exposed ports parse as -P publishes them", "[network][port]") {
  CHECK(parse_exposed_port("80/tcp").value() ==
        std::vector<PortMapping>{{0, 0, 80, Protocol::tcp}});
  CHECK(parse_exposed_port("53/udp").value() ==
        std::vector<PortMapping>{{0, 0, 53, Protocol::udp}});
  CHECK(parse_exposed_port("8080").value() ==
        std::vector<PortMapping>{{0, 0, 8080, Protocol::tcp}});
  CHECK(parse_exposed_port("7000-7001/tcp").value().size() == 2);
  CHECK(parse_exposed_port("").error().message == "no port specified: <empty>");
  CHECK(parse_exposed_port("80:80/tcp").error().message == "invalid port format: 80:80/tcp");
  CHECK(parse_exposed_port("http/tcp").error().message == "invalid containerPort: http");
  CHECK(parse_exposed_port("80/sctp").error().message == "invalid proto: sctp");
}

TEST_CASE("mappings print as docker ps shows them", "[network][port]") {
  CHECK(to_string(PortMapping{0, 8080, 80, Protocol::tcp}) == "0.0.0.0:8080->80/tcp");
  CHECK(to_string(PortMapping{ip("127.0.0.1"), 5353, 53, Protocol::udp}) ==
        "127.0.0.1:5353->53/udp");
  CHECK(to_string(Protocol::udp) == "udp");
}

}  // namespace asup::network
