#include "volume/paths.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "asup/unique_fd.hpp"

namespace asup::volume {

std::string clean_path(std::string_view path) {
  const bool rooted = !path.empty() && path.front() == '/';
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view c = path.substr(start, slash - start);
    start = slash + 1;
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(c);  // a relative path may climb; "/" never does
      }
      continue;
    }
    parts.push_back(c);
  }
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

Result<bool> is_mount_root(const std::string& path) {
  struct statx stx;
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) != 0)
    return fail_errno("statx " + path);
  if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
    return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  // Kernels before 5.8: a mount root sits on another device than its parent (true for
  // tmpfs; a bind mount of the same filesystem is missed, and Linux 5.8 is old enough).
  struct stat self, parent;
  if (::lstat(path.c_str(), &self) != 0) return fail_errno("stat " + path);
  if (::lstat((path + "/..").c_str(), &parent) != 0) return fail_errno("stat " + path + "/..");
  return self.st_dev != parent.st_dev;
}

}  // namespace asup::volume
