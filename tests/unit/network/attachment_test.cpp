// A container's published ports as the network stage picks them: by network (whose table
// holds their DNAT) and by `port CTR PORT[/PROTO]`.
#include <catch2/catch.hpp>

#include "network/attachment.hpp"

namespace asup::network {
namespace {

PublishedPort published(std::uint16_t host_port, std::uint16_t container_port, Protocol proto,
                        const std::string& network_id) {
  return PublishedPort{PortMapping{0, host_port, container_port, proto}, 0x0a580002, network_id};
}

std::vector<std::uint16_t> host_ports(const std::vector<PublishedPort>& ports) {
  std::vector<std::uint16_t> out;
  for (auto& p : ports) out.push_back(p.mapping.host_port);
  return out;
}

const std::vector<PublishedPort> kPorts{
    published(8080, 80, Protocol::tcp, "net1"),
    published(8053, 53, Protocol::udp, "net1"),
    published(9053, 53, Protocol::tcp, "net2"),
    published(8081, 80, Protocol::tcp, "net2"),
};

}  // namespace

TEST_CASE("only none and host networks give no addresses", "[network][attachment]") {
  CHECK_FALSE(has_addresses("none"));
  CHECK_FALSE(has_addresses("host"));
  CHECK(has_addresses("bridge"));
  CHECK(has_addresses("mynet"));
}

TEST_CASE("ports are picked by the network whose table holds them", "[network][attachment]") {
  CHECK(host_ports(ports_on(kPorts, "net1")) == std::vector<std::uint16_t>{8080, 8053});
  CHECK(host_ports(ports_on(kPorts, "net2")) == std::vector<std::uint16_t>{9053, 8081});
  CHECK(ports_on(kPorts, "net3").empty());
}

TEST_CASE("port filters name a container port, tcp unless told", "[network][attachment]") {
  CHECK(host_ports(ports_matching(kPorts, "")) ==
        std::vector<std::uint16_t>{8080, 8053, 9053, 8081});
  CHECK(host_ports(ports_matching(kPorts, "80")) == std::vector<std::uint16_t>{8080, 8081});
  CHECK(host_ports(ports_matching(kPorts, "80/tcp")) == std::vector<std::uint16_t>{8080, 8081});
  CHECK(host_ports(ports_matching(kPorts, "53")) == std::vector<std::uint16_t>{9053});
  CHECK(host_ports(ports_matching(kPorts, "53/udp")) == std::vector<std::uint16_t>{8053});
  CHECK(ports_matching(kPorts, "80/udp").empty());
  CHECK(ports_matching(kPorts, "8080").empty());
}

}  // namespace asup::network
