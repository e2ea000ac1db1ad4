// The read-only layer every container's root filesystem gets above its image's layers.
#pragma once

#include <string>

#include "asup/result.hpp"

namespace asup::launch {

// PARENT/init-layer, made once: empty etc/hostname, etc/hosts and etc/resolv.conf and the
// proc, sys and dev directories, the targets asup-init mounts over. Taken from here, a
// target that the image lacks is not created in the container's upper directory on every
// start (a copy-up of /etc and three new files, then as many deletions at removal). Docker
// makes such an "-init" layer for each container; this one is shared.
Result<std::string> ensure_init_layer(const std::string& parent);

}  // namespace asup::launch
