// Path helpers the volume module needs on its own (it links only core).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "asup/result.hpp"

namespace asup::volume {

// Lexical cleanup as Go's path.Clean does it, which Docker applies to mount sources and
// targets: "//a/./b/../c/" -> "/a/c", "a/../.." -> "..", "" -> ".".
std::string clean_path(std::string_view path);

// Whether `path` is the root of a mount (statx's STATX_ATTR_MOUNT_ROOT): a tmpfs or bind
// mounted volume stays mounted when asupd restarts, and a new asupd must see it.
Result<bool> is_mount_root(const std::string& path);

}  // namespace asup::volume
