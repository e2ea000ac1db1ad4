// The /etc/hosts the daemon keeps for each container: localhost, the container's own
// addresses under its hostname and, on user networks, its peers by name, alias and short id
// (Docker answers these through its embedded DNS; a hosts file kept current serves the same
// names). With the host's network it is the host's own file.
#pragma once

#include <string>
#include <vector>

#include "network/attachment.hpp"

namespace asup::network {

// `all` is every container's attachment; `a` among them is skipped.
std::string hosts_content(const Attachment& a, const Attachments& all);

// Rewrites the hosts file of every container of `all` but `self` that shares a user network
// with `touched` (endpoints that came or went), so its peers' names stay true.
void refresh_peer_hosts(const std::vector<Endpoint>& touched, const Attachment* self,
                        const Attachments& all);

}  // namespace asup::network
