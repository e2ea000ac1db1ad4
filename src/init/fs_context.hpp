// Mounts through the new mount API (fsopen/fsconfig/fsmount/move_mount). mount(2) copies
// at most one page of option data, so an overlay over ~45 or more layers (each lowerdir a
// store path) cannot be described to it; fsconfig takes each lower layer as its own
// "lowerdir+" parameter (Linux 6.8+), with no limit on their number.
#pragma once

#include <string>

#include "asup/result.hpp"

namespace asup::init {

// Mounts filesystem `fstype` on `target` with the comma-separated `options` of mount(2)
// (plain flags and key=value; an overlay's colon-separated lowerdir is split into
// lowerdir+ entries, top-most first as in the mount(2) form).
Status mount_with_fs_context(const std::string& fstype, const std::string& options,
                             const std::string& target);

}  // namespace asup::init
