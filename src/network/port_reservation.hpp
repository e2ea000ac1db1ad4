// Holding a published host port for as long as the container lives. DNAT alone would let a
// second container, or any program on the host, be given the same port and then lose its
// traffic to the NAT rule; a bound socket makes the kernel refuse them instead, exactly as
// Docker's port allocator and its bound proxy sockets do.
#pragma once

#include <utility>
#include <vector>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"
#include "network/port_spec.hpp"

namespace asup::network {

class PortReservation {
 public:
  PortReservation(UniqueFd socket, const PortMapping& mapping)
      : socket_(std::move(socket)), mapping_(mapping) {}

  // The mapping with the host port resolved: never 0.
  const PortMapping& mapping() const { return mapping_; }

 private:
  UniqueFd socket_;  // bound, never listening: the port is taken but nothing is accepted
  PortMapping mapping_;
};

// Binds a socket of the mapping's protocol to host_ip:host_port (port 0: the kernel picks a
// free one). A port already taken fails with EADDRINUSE and, as the error message, Docker's
// text "Bind for 0.0.0.0:8080 failed: port is already allocated" (Error::describe() would
// append strerror; use the message when mirroring Docker).
Result<PortReservation> reserve(const PortMapping& mapping);

// Every mapping or none: on a failure the ports already reserved are released.
Result<std::vector<PortReservation>> reserve_all(const std::vector<PortMapping>& mappings);

}  // namespace asup::network
