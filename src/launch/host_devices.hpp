// The host's device nodes a --privileged container gets, as Docker gives them (runc's
// HostDevices): every block and character device below the host's /dev, at the same
// path, except what the container's own /dev already provides.
#pragma once

#include <vector>

#include "asup/result.hpp"
#include "launch/device_mapping.hpp"

namespace asup::launch {

// Leaves out the nodes below /dev/pts, /dev/shm, /dev/mqueue and /dev/fd (the container's
// own mounts and links there) and /dev/console, as runc does.
std::vector<DeviceNode> privileged_devices(std::vector<DeviceNode> nodes);

// The host's /dev, read now, filtered as above.
std::vector<DeviceNode> host_devices();

}  // namespace asup::launch
