// A published port with its host port resolved (-p 80 gets one from the kernel): what a
// container's state records and what the NAT plan turns into map elements.
#pragma once

#include <cstdint>
#include <string>

#include "network/port_spec.hpp"

namespace asup::network {

struct PublishedPort {
  PortMapping mapping;             // host port resolved (a PortReservation's mapping), never 0
  std::uint32_t container_ip = 0;  // host byte order
  std::string network_id;          // whose table holds the mapping
};

}  // namespace asup::network
