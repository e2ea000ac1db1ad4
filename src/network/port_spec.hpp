// Docker's `-p/--publish` syntax and the image's ExposedPorts keys, parsed into one mapping per
// port (a range "8000-8001:80-81" is two mappings), with Docker's error texts so `asupctl run`
// fails the way `docker run` does. IPv4 only: the NAT table is `ip`, not `inet`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"

namespace asup::network {

enum class Protocol { tcp, udp };

struct PortMapping {
  std::uint32_t host_ip = 0;    // host byte order; 0 = every address of the host
  std::uint16_t host_port = 0;  // 0 = any free port, chosen by the kernel when reserved
  std::uint16_t container_port = 0;
  Protocol proto = Protocol::tcp;

  bool operator==(const PortMapping&) const = default;
};

// `[hostip:][hostport[-hostport2]:]ctrport[-ctrport2][/tcp|udp]`. Unlike Docker, a host range
// with a single container port ("8000-8010:80", "pick one in the range") is refused.
Result<std::vector<PortMapping>> parse_port_spec(const std::string& spec);

// An ExposedPorts key ("80/tcp", "53/udp", "80", "8000-8001/tcp") as -P publishes it: every
// host address, a kernel-chosen host port. Also parses `asupctl port CTR 80/udp`.
Result<std::vector<PortMapping>> parse_exposed_port(const std::string& key);

std::string_view to_string(Protocol proto);
// Docker's ps/port text: "0.0.0.0:8080->80/tcp". Ranges are not collapsed here.
std::string to_string(const PortMapping& mapping);

}  // namespace asup::network
