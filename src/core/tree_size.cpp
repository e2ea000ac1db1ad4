#include "core/tree_size.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <utility>

namespace asup::fs {
namespace {

using Seen = std::set<std::pair<dev_t, ino_t>>;

// Walks the directory `dirfd` (owned); `dev` is the device of the tree's root.
Status sum_sizes(int dirfd, dev_t dev, Seen& seen, std::int64_t& total, const std::string& shown) {
  DIR* dir = ::fdopendir(dirfd);
  if (!dir) {
    ::close(dirfd);
    return fail_errno("opendir " + shown);
  }
  Status result = ok();
  while (auto* ent = ::readdir(dir)) {
    std::string name = ent->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::fstatat(::dirfd(dir), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (st.st_dev != dev) continue;
    if (S_ISDIR(st.st_mode)) {
      int fd =
          ::openat(::dirfd(dir), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) continue;  // vanished meanwhile: it takes no space any more
      result = sum_sizes(fd, dev, seen, total, shown + "/" + name);
      if (!result) break;
    } else if (S_ISREG(st.st_mode)) {
      // Hard links share their content: count it once.
      if (st.st_nlink > 1 && !seen.emplace(st.st_dev, st.st_ino).second) continue;
      total += st.st_size;
    } else if (S_ISLNK(st.st_mode)) {
      total += st.st_size;
    }
  }
  ::closedir(dir);
  return result;
}

}  // namespace

Result<std::int64_t> tree_size(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fail_errno("open " + dir);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return fail_errno("stat " + dir);
  }
  Seen seen;
  std::int64_t total = 0;
  ASUP_TRY(sum_sizes(fd, st.st_dev, seen, total, dir));
  return total;
}

}  // namespace asup::fs
