// Switches the container's mount namespace to its root with pivot_root.
#pragma once

#include <string>

#include "asup/result.hpp"

namespace asup::init {

// pivot_root(".", ".") from inside `rootfs`, then detaches the old root stacked on top of
// it, leaving nothing of the host's tree reachable. `rootfs` must be the root of a mount
// (it is bound onto itself when it is a plain directory).
Status enter_rootfs(const std::string& rootfs);

}  // namespace asup::init
