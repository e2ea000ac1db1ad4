// What a directory tree takes: the store's layer sizes and `image prune`'s and `volume
// prune`'s reclaimed space.
#pragma once

#include <cstdint>
#include <string>

#include "asup/result.hpp"

namespace asup::fs {

// Bytes of the files below `dir`: regular files by size (hard links once), symlinks by
// their target's length, without following symlinks or crossing mount points (a volume's
// mounted tmpfs or a bind below it is another file system's).
Result<std::int64_t> tree_size(const std::string& dir);

}  // namespace asup::fs
