#include "engine/host_features.hpp"

#include <arpa/inet.h>

namespace asup::engine {

Status check_host_features(const api::RunRequest& r) {
  if (!r.storage_opt.empty())
    return fail("--storage-opt is supported only for overlay over xfs with 'pquota' mount option");
  if (!r.gpus.empty())
    return fail("could not select device driver \"\" with capabilities: [[gpu]]");
  if (!r.isolation.empty() && r.isolation != "default")
    return fail("Invalid isolation: \"" + r.isolation + "\" - linux only supports 'default'");
  if (!r.ip6.empty()) {
    in6_addr addr;
    if (::inet_pton(AF_INET6, r.ip6.c_str(), &addr) != 1)
      return fail("invalid IPv6 address: " + r.ip6);
    // asup's networks are IPv4 only: none has the IPv6 subnet an address could come from.
    return fail("invalid endpoint settings: user specified IPv6 address " + r.ip6 +
                " needs a network with a user configured IPv6 subnet");
  }
  if (!r.link_local_ips.empty())
    return fail("invalid endpoint settings: link-local addresses (--link-local-ip " +
                r.link_local_ips.front() + ") are not supported by asup's networks");
  if (!r.volume_driver.empty() && r.volume_driver != "local")
    return fail("error looking up volume plugin " + r.volume_driver + ": plugin \"" +
                r.volume_driver + "\" not found");
  return ok();
}

}  // namespace asup::engine
