#include "volume/local_options.hpp"

#include <sys/mount.h>

#include <array>
#include <string_view>

namespace asup::volume {
namespace {

struct FlagWord {
  std::string_view word;
  unsigned long set;
  unsigned long clear;
};

// mount(8)'s flag words, the subset a volume has use for.
constexpr std::array<FlagWord, 20> kFlagWords = {{
    {"defaults", 0, 0},
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"bind", MS_BIND, 0},
    {"rbind", MS_BIND | MS_REC, 0},
    {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"dirsync", MS_DIRSYNC, 0},
    {"noatime", MS_NOATIME, 0},
    {"atime", 0, MS_NOATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"relatime", MS_RELATIME, 0},
    {"norelatime", 0, MS_RELATIME},
    {"strictatime", MS_STRICTATIME, 0},
}};

}  // namespace

Status validate_options(const Options& options) {
  for (const auto& [key, value] : options) {
    if (key == "size") return fail(EINVAL, "quota size requested but no quota support");
    if (key != "type" && key != "device" && key != "o")
      return fail(EINVAL, "invalid option: \"" + key + "\"");
  }
  // Checked in Docker's order of needs: device and o need type, type and o need device.
  for (const auto& [key, needs] :
       {std::pair{"device", "type"}, {"type", "device"}, {"o", "device"}, {"o", "type"}}) {
    if (options.count(key) && !options.count(needs))
      return fail(EINVAL, std::string{"missing required option: \""} + needs + "\"");
  }
  return ok();
}

bool LocalMount::bind() const {
  return (flags & MS_BIND) != 0;
}

std::optional<LocalMount> plan_local_mount(const Options& options) {
  auto type = options.find("type");
  if (type == options.end() || type->second.empty()) return std::nullopt;
  LocalMount m;
  m.fstype = type->second;
  if (auto device = options.find("device"); device != options.end()) m.source = device->second;
  auto o = options.find("o");
  std::string_view rest = o == options.end() ? std::string_view{} : std::string_view{o->second};
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view word = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (word.empty()) continue;
    bool is_flag = false;
    for (const auto& f : kFlagWords) {
      if (f.word != word) continue;
      m.flags = (m.flags & ~f.clear) | f.set;
      is_flag = true;
      break;
    }
    if (is_flag) continue;
    if (!m.data.empty()) m.data += ',';
    m.data += word;
  }
  return m;
}

Status perform_mount(const LocalMount& mount, const std::string& target) {
  const char* data = mount.data.empty() ? nullptr : mount.data.c_str();
  if (::mount(mount.source.c_str(), target.c_str(), mount.fstype.c_str(), mount.flags, data) != 0)
    return fail_errno("mount " + mount.fstype + " " + mount.source + " on " + target);
  if (mount.bind() && (mount.flags & MS_RDONLY)) {
    // The kernel ignores MS_RDONLY on the bind call itself (mount(2), "MS_BIND").
    unsigned long flags = MS_REMOUNT | MS_BIND | (mount.flags & ~MS_REC);
    if (::mount(nullptr, target.c_str(), nullptr, flags, nullptr) != 0) {
      int err = errno;
      ::umount2(target.c_str(), MNT_DETACH);
      return fail(err, "remount " + target + " read-only");
    }
  }
  return ok();
}

}  // namespace asup::volume
