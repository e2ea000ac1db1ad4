#include "init/sysctls.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace asup::init {

Result<UniqueFd> open_sysctl_dir(const std::vector<std::string>& sysctls) {
  if (sysctls.empty()) return UniqueFd{};
  UniqueFd dir{::open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC)};
  if (!dir) return fail_errno("open /proc/sys");
  return dir;
}

Status write_sysctls(int dir, const std::vector<std::string>& sysctls) {
  for (const auto& entry : sysctls) {
    const auto eq = entry.find('=');
    std::string path = entry.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : entry.substr(eq + 1);
    // asupd checked the key against the namespaced ones; a path that could climb out of
    // /proc/sys is refused here all the same.
    if (path.empty() || path.find('/') != std::string::npos || path.find("..") != std::string::npos)
      return fail(EINVAL, "write sysctl " + entry + ": invalid key");
    for (auto& ch : path)
      if (ch == '.') ch = '/';
    UniqueFd fd{::openat(dir, path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW)};
    if (!fd) return fail_errno("write sysctl " + entry.substr(0, eq) + ": open /proc/sys/" + path);
    if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
      return fail_errno("write sysctl " + entry);
  }
  return ok();
}

}  // namespace asup::init
