#include "network/port_reservation.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include "network/ipam.hpp"

namespace asup::network {

Result<PortReservation> reserve(const PortMapping& mapping) {
  std::string where = format_ipv4(mapping.host_ip) + ":" + std::to_string(mapping.host_port);
  int type = mapping.proto == Protocol::udp ? SOCK_DGRAM : SOCK_STREAM;
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno("socket for " + where + "/" + std::string(to_string(mapping.proto)));

  // No SO_REUSEADDR: with it, Linux lets two sockets that both set it share a port while
  // neither listens, and a TCP reservation never listens. Without it every later bind() of
  // the port fails, whatever the other side sets.
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(mapping.host_ip);
  addr.sin_port = htons(mapping.host_port);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno == EADDRINUSE)
      return fail(EADDRINUSE, "Bind for " + where + " failed: port is already allocated");
    return fail_errno("bind " + std::string(to_string(mapping.proto)) + " " + where);
  }

  socklen_t length = sizeof addr;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &length) != 0)
    return fail_errno("getsockname for " + where);
  PortMapping resolved = mapping;
  resolved.host_port = ntohs(addr.sin_port);
  return PortReservation(std::move(fd), resolved);
}

Result<std::vector<PortReservation>> reserve_all(const std::vector<PortMapping>& mappings) {
  std::vector<PortReservation> reservations;
  reservations.reserve(mappings.size());
  for (const auto& mapping : mappings) {
    ASUP_TRY(auto reservation, reserve(mapping));
    reservations.push_back(std::move(reservation));
  }
  return reservations;
}

}  // namespace asup::network
