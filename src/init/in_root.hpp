// Container paths resolved inside the container's root directory. Every lookup goes
// through openat2(RESOLVE_IN_ROOT), so an image's symlink ("/etc -> /", "x -> ../../..")
// resolves as it would after pivot_root and can never reach a host path.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::init {

// openat2(root, path, flags | O_CLOEXEC) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS.
// Returns the raw errno in the error (ENOENT for a missing path) so callers can decide.
Result<UniqueFd> open_in_root(int root, const std::string& path, int flags);

enum class NodeKind { Directory, File, Device, Symlink };

struct Node {
  NodeKind kind = NodeKind::Directory;
  mode_t mode = 0755;       // permission bits (and S_IFCHR or S_IFBLK for devices)
  dev_t device = 0;         // Device
  std::string link_target;  // Symlink
  uid_t uid = 0;            // Device: the owner a new node gets
  gid_t gid = 0;
};

// Creates `path` inside the root if it does not exist yet, creating missing parent
// directories (0755) the same safe way. An existing entry is kept: a directory must be a
// directory; anything else is accepted as is. A dangling symlink on the way is followed
// inside the root and the entry is created where it points, as runc does for
// /etc/resolv.conf -> ../run/systemd/resolve/stub-resolv.conf.
Status create_in_root(int root, const std::string& path, const Node& node);

// "/proc/self/fd/N": a path the mount family of calls accepts for an fd.
std::string fd_path(int fd);

}  // namespace asup::init
