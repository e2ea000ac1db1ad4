#include "control/clients_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <vector>

#include "core/fs.hpp"

namespace asup::control {
namespace {

// Whether `pid` runs: a zombie counts as gone (a client whose parent has not reaped it yet
// will never say hello), and so does a pid we may not signal (EPERM is some other user's
// process, never one of our root clients).
bool process_running(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  UniqueFd fd{::open(path, O_RDONLY | O_CLOEXEC)};
  if (!fd) return false;
  char buf[512];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n <= 0) return false;
  // "PID (COMM) STATE ...": COMM may hold spaces and ')', the last ')' ends it.
  std::string_view stat(buf, static_cast<std::size_t>(n));
  auto comm_end = stat.rfind(')');
  if (comm_end == std::string_view::npos || comm_end + 2 >= stat.size()) return false;
  char state = stat[comm_end + 2];
  return state != 'Z' && state != 'X' && state != 'x';
}

std::vector<std::string> entries(int dirfd) {
  std::vector<std::string> names;
  // A fresh open of "." rather than a dup: a dup would share (and move) the offset.
  int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return names;
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    ::close(fd);
    return names;
  }
  while (auto* ent = ::readdir(dir)) {
    std::string_view n = ent->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(dir);
  return names;
}

}  // namespace

pid_t client_dir_pid(std::string_view name) {
  if (name.substr(0, 2) != "c.") return 0;
  name.remove_prefix(2);
  auto dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0) return 0;
  int pid = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + dot, pid);
  if (ec != std::errc() || end != name.data() + dot || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
}

Result<ClientsDir> ClientsDir::open(const std::string& path) {
  ASUP_TRY(fs::make_dirs(path, 0700));
  UniqueFd fd{::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
  if (!fd) return fail_errno("open " + path);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return fail_errno("stat " + path);
  uid_t owner = ::geteuid();
  if (st.st_uid != owner)
    return fail(EPERM, path + " is owned by uid " + std::to_string(st.st_uid) + ", not " +
                           std::to_string(owner));
  if ((st.st_mode & 077) != 0 && ::fchmod(fd.get(), 0700) != 0)
    return fail_errno("chmod 0700 " + path);
  // The kernel's name for the directory, for matching /proc/PID/fd links later.
  char real[PATH_MAX];
  std::string self = "/proc/self/fd/" + std::to_string(fd.get());
  ssize_t n = ::readlink(self.c_str(), real, sizeof real);
  if (n <= 0 || n == static_cast<ssize_t>(sizeof real)) return fail_errno("readlink " + self);
  return ClientsDir(std::move(fd), path, std::string(real, static_cast<std::size_t>(n)), owner);
}

Result<UniqueFd> ClientsDir::open_fifo(int dirfd, const std::string& name, int mode,
                                       const std::string& shown) {
  // Checked before the open: opening a device node can have effects of its own.
  struct stat before;
  if (::fstatat(dirfd, name.c_str(), &before, AT_SYMLINK_NOFOLLOW) != 0)
    return fail_errno("stat " + shown);
  if (!S_ISFIFO(before.st_mode)) return fail(EINVAL, shown + " is not a FIFO");
  if (before.st_uid != owner_) return fail(EPERM, shown + " is owned by another user");
  UniqueFd fd{::openat(dirfd, name.c_str(), mode | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)};
  if (!fd) return fail_errno("open " + shown);
  struct stat after;
  if (::fstat(fd.get(), &after) != 0) return fail_errno("stat " + shown);
  if (after.st_dev != before.st_dev || after.st_ino != before.st_ino)
    return fail(EAGAIN, shown + " was replaced while it was opened");
  return fd;
}

Result<ClientsDir::Fifos> ClientsDir::open_fifos(const Hello& hello, UniqueFd& dir) {
  std::string dir_shown = shown(hello.dir);
  dir.reset(
      ::openat(fd_.get(), hello.dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) return fail_errno("open " + dir_shown);
  struct stat st;
  if (::fstat(dir.get(), &st) != 0) return fail_errno("stat " + dir_shown);
  if (st.st_uid != owner_ || (st.st_mode & 022) != 0)
    return fail(EPERM, dir_shown + " is not a private dir of uid " + std::to_string(owner_));
  Fifos fifos;
  // Replies first: ENXIO there says at once that nobody reads them, the client is gone.
  ASUP_TRY(fifos.replies,
           open_fifo(dir.get(), hello.replies, O_WRONLY, dir_shown + "/" + hello.replies));
  ASUP_TRY(fifos.requests,
           open_fifo(dir.get(), hello.requests, O_RDONLY, dir_shown + "/" + hello.requests));
  fifos.requests_path = real_path_ + "/" + hello.dir + "/" + hello.requests;
  return fifos;
}

Result<ClientsDir::Fifos> ClientsDir::take(const Hello& hello) {
  UniqueFd dir;
  auto fifos = open_fifos(hello, dir);
  if (fifos) {
    // What a client makes, removed in three calls (this runs for every client); anything
    // else found there falls back to the full removal.
    ::unlinkat(dir.get(), hello.requests.c_str(), 0);
    ::unlinkat(dir.get(), hello.replies.c_str(), 0);
    if (::unlinkat(fd_.get(), hello.dir.c_str(), AT_REMOVEDIR) == 0) return fifos;
  }
  remove(hello.dir);
  return fifos;
}

void ClientsDir::remove(const std::string& name) {
  // remove_tree_at follows no symlink and crosses no mount: a symlink named here goes,
  // what it points to stays.
  if (auto r = fs::remove_tree_at(fd_.get(), name, shown(name)); !r)
    spdlog::warn("control: {}", r.error().describe());
}

void ClientsDir::remove_all() {
  for (const auto& name : entries(fd_.get())) remove(name);
}

std::size_t ClientsDir::sweep(std::chrono::seconds max_age) {
  std::size_t removed = 0;
  std::time_t now = std::time(nullptr);
  for (const auto& name : entries(fd_.get())) {
    pid_t pid = client_dir_pid(name);
    bool gone = pid > 0 && !process_running(pid);
    if (!gone) {
      struct stat st;
      if (::fstatat(fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      gone = now - st.st_ctime > max_age.count();
    }
    if (!gone) continue;
    remove(name);
    ++removed;
  }
  return removed;
}

}  // namespace asup::control
