// --device HOST[:CONTAINER][:PERMS], Docker's syntax, and the host device nodes it names:
// each becomes a node in the container (mount_plan.hpp) and an allow rule in its device
// policy (cgroup/devices.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "asup/result.hpp"

namespace asup::launch {

// What the user asked for; kept in the container's config, shown by inspect as
// HostConfig.Devices.
struct DeviceMapping {
  std::string path_on_host;
  std::string path_in_container;
  std::string cgroup_permissions = "rwm";  // a subset of "rwm"

  bool operator==(const DeviceMapping&) const = default;
};

// CONTAINER defaults to HOST and PERMS to "rwm"; a second field that is a valid mode is
// PERMS ("/dev/sda:r"). Both paths must be absolute. Errors carry Docker's texts:
// "invalid device specification: TEXT", "invalid device mode: PERMS",
// "PATH is not an absolute path".
Result<DeviceMapping> parse_device(const std::string& text);

// One node to create in the container, a copy of a host node.
struct DeviceNode {
  std::string path;  // in the container, clean and absolute
  bool block = false;
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t mode = 0;  // the host node's permission bits
  std::uint32_t uid = 0;   // the host node's owner
  std::uint32_t gid = 0;
  std::string permissions;  // the mapping's cgroup permissions

  bool operator==(const DeviceNode&) const = default;
};

// The host path's node (a symlink is followed first: /dev/disk/by-id/...), or, when the
// host path is a directory, every block and character device below it, each at the same
// relative path under the container path, in path order. Fails with Docker's text
// 'error gathering device information while adding custom device "HOST": REASON'
// (no such file or directory; not a device node — also for a directory without one).
Result<std::vector<DeviceNode>> gather_devices(const DeviceMapping& mapping);

}  // namespace asup::launch
