#include "control/peer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/syscalls.hpp"

namespace asup::control {

bool process_holds(pid_t pid, const struct stat& file) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/fd", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    ::close(fd);
    return false;
  }
  bool found = false;
  while (auto* ent = ::readdir(dir)) {
    if (ent->d_name[0] == '.') continue;
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

Result<UniqueFd> open_verified_pidfd(pid_t pid, const struct stat& fifo) {
  std::string who = "client pid " + std::to_string(pid);
  auto pidfd = sys::pidfd_open(pid);
  if (!pidfd) return fail(pidfd.error().code, who + ": process not found");
  if (!process_holds(pid, fifo))
    return fail(EPERM, who + " does not hold this session's request FIFO");
  if (!sys::pidfd_send_signal(pidfd.value().get(), 0)) return fail(ESRCH, who + " exited");
  return std::move(pidfd).value();
}

}  // namespace asup::control
