#include "init/fs_context.hpp"

#include <fcntl.h>
#include <sys/mount.h>

#include <string_view>
#include <vector>

#include "asup/unique_fd.hpp"

namespace asup::init {
namespace {

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  for (;;) {
    auto at = text.find(sep);
    out.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

}  // namespace

Status mount_with_fs_context(const std::string& fstype, const std::string& options,
                             const std::string& target) {
  UniqueFd fs{::fsopen(fstype.c_str(), FSOPEN_CLOEXEC)};
  if (!fs) return fail_errno("fsopen " + fstype);
  auto set = [&](const std::string& key, const std::string* value) -> Status {
    int rc = value ? ::fsconfig(fs.get(), FSCONFIG_SET_STRING, key.c_str(), value->c_str(), 0)
                   : ::fsconfig(fs.get(), FSCONFIG_SET_FLAG, key.c_str(), nullptr, 0);
    if (rc != 0) return fail_errno("fsconfig " + fstype + " " + key);
    return ok();
  };
  for (const auto& option : split(options, ',')) {
    if (option.empty()) continue;
    auto eq = option.find('=');
    if (eq == std::string::npos) {
      ASUP_TRY(set(option, nullptr));
      continue;
    }
    std::string key = option.substr(0, eq), value = option.substr(eq + 1);
    if (fstype == "overlay" && key == "lowerdir") {
      for (const auto& dir : split(value, ':')) {
        ASUP_TRY(set("lowerdir+", &dir));
      }
      continue;
    }
    ASUP_TRY(set(key, &value));
  }
  if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    return fail_errno("create " + fstype + " for " + target);
  UniqueFd mnt{::fsmount(fs.get(), FSMOUNT_CLOEXEC, 0)};
  if (!mnt) return fail_errno("fsmount " + fstype + " for " + target);
  if (::move_mount(mnt.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return fail_errno("move_mount " + fstype + " to " + target);
  return ok();
}

}  // namespace asup::init
