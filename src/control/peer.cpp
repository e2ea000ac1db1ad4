#include "control/peer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/syscalls.hpp"

namespace asup::control {

bool process_holds(pid_t pid, const struct stat& file, std::string_view path) {
  char fd_dir[64];
  std::snprintf(fd_dir, sizeof fd_dir, "/proc/%d/fd", static_cast<int>(pid));
  int fd = ::open(fd_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    ::close(fd);
    return false;
  }
  bool found = false;
  while (auto* ent = ::readdir(dir)) {
    if (ent->d_name[0] == '.') continue;
    char link[PATH_MAX];
    ssize_t n = ::readlinkat(dirfd(dir), ent->d_name, link, sizeof link);
    if (n <= 0 || n == static_cast<ssize_t>(sizeof link)) continue;
    std::string_view target(link, static_cast<std::size_t>(n));
    if (target != path && target != std::string(path) + " (deleted)") continue;
    // stat through the magic link: the open file's inode, even after its name is gone.
    struct stat st;
    if (::fstatat(dirfd(dir), ent->d_name, &st, 0) != 0) continue;
    if (st.st_dev == file.st_dev && st.st_ino == file.st_ino) {
      found = true;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

Result<UniqueFd> open_verified_pidfd(pid_t pid, const struct stat& fifo, std::string_view path) {
  std::string who = "client pid " + std::to_string(pid);
  auto pidfd = sys::pidfd_open(pid);
  if (!pidfd) return fail(pidfd.error().code, who + ": process not found");
  if (!process_holds(pid, fifo, path))
    return fail(EPERM, who + " does not hold this session's request FIFO");
  if (!sys::pidfd_send_signal(pidfd.value().get(), 0)) return fail(ESRCH, who + " exited");
  return std::move(pidfd).value();
}

}  // namespace asup::control
