// --sysctl inside the container. The files under /proc/sys act on the namespaces of the
// process that writes them, not on those of the procfs mount: init, already in the
// container's network and IPC namespaces, writes through a /proc/sys it opened before the
// mount plan made the container's own copy read-only.
#pragma once

#include <string>
#include <vector>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::init {

// /proc/sys as this process sees it now (before the mount plan); an empty fd when there
// is nothing to write.
Result<UniqueFd> open_sysctl_dir(const std::vector<std::string>& sysctls);

// Writes each "key=value" (dotted key: net.ipv4.ip_forward) below `dir`. Called once the
// network is wired, so keys of the container's interfaces exist.
Status write_sysctls(int dir, const std::vector<std::string>& sysctls);

}  // namespace asup::init
