#include "volume/local_options.hpp"

#include <sys/mount.h>

#include <string_view>

#include "core/mount_flags.hpp"

namespace asup::volume {

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
    std::uint64_t flags = m.flags;
    if (mount_flags::apply(word, flags)) {
      m.flags = static_cast<unsigned long>(flags);
      continue;
    }
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
