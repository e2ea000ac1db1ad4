// Small filesystem operations that return Result values with the path in the error.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::fs {

// Writes `data` to `path` atomically: a temp file beside it, optional fsync, rename.
// A reader sees either the old content or the new one, never half of it.
Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0644,
                         bool sync = false);
// Same, relative to a directory fd (used by asup-init, which sees its state dir only by fd).
Status write_file_atomic_at(int dirfd, const std::string& name, std::string_view data,
                            mode_t mode = 0644);
Result<std::string> read_file(const std::string& path);
Status write_file(const std::string& path, std::string_view data, mode_t mode = 0644);
// mkdir -p; succeeds when the directory exists.
Status make_dirs(const std::string& path, mode_t mode = 0755);
// rm -rf that does not follow symlinks and does not cross mount points.
Status remove_tree(const std::string& path);
// The same for `name` inside the directory `parent` (never leaves it: no symlink is
// followed); `shown` names it in errors.
Status remove_tree_at(int parent, const std::string& name, const std::string& shown);
bool exists(const std::string& path);
bool is_directory(const std::string& path);
Result<std::vector<std::string>> list_dir(const std::string& path);
Result<UniqueFd> open_fd(const std::string& path, int flags, mode_t mode = 0);
std::string join(std::string_view a, std::string_view b);
// Writes all of iov[0..count), going on where a short writev stopped (the entries are
// consumed). 0, or the errno of the failure (EIO when the fd took nothing).
int writev_all(int fd, struct iovec* iov, int count);
// Absolute form of `path` relative to the current directory (no symlink resolution).
std::string absolute(const std::string& path);

}  // namespace asup::fs
