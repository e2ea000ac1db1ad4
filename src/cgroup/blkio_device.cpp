#include "cgroup/blkio_device.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cctype>
#include <cstring>

#include "core/units.hpp"

namespace asup::cgroup {
namespace {

// Digits only, as Go's strconv.ParseUint(v, 10, 64).
bool parse_count(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 20) return false;
  std::uint64_t n = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return false;
    std::uint64_t next = n * 10 + static_cast<std::uint64_t>(ch - '0');
    if (next / 10 != n) return false;
    n = next;
  }
  out = n;
  return true;
}

// Go's text for an errno: the C library's, starting in lower case.
std::string go_errno_text(int code) {
  std::string text = std::strerror(code);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

Result<BlkioDevice> parse_blkio_device(std::string_view text, BlkioValue kind,
                                       std::string_view flag) {
  const std::string shown{text};
  auto invalid = [&](const std::string& why) {
    return fail(EINVAL, "invalid argument \"" + shown + "\" for \"" + std::string{flag} +
                            "\" flag: " + why);
  };
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return invalid("bad format: " + shown);
  BlkioDevice device;
  device.path = std::string{text.substr(0, colon)};
  const std::string value{text.substr(colon + 1)};
  if (device.path.rfind("/dev/", 0) != 0) return invalid("bad format for device path: " + shown);
  switch (kind) {
    case BlkioValue::Weight: {
      std::uint64_t weight = 0;
      // Go's ParseUint(v, 10, 16), then 0 or 10..1000.
      if (!parse_count(value, weight) || weight > 65535 ||
          (weight > 0 && (weight < 10 || weight > 1000)))
        return invalid("invalid weight for device: " + shown);
      device.value = weight;
      break;
    }
    case BlkioValue::Bps: {
      auto rate = parse_bytes(value);
      if (!rate || rate.value() < 0)
        return invalid("invalid rate for device: " + shown +
                       ". The correct format is <device-path>:<number>[<unit>]. Number must be a "
                       "positive integer. Unit is optional and can be kb, mb, or gb");
      device.value = static_cast<std::uint64_t>(rate.value());
      break;
    }
    case BlkioValue::Iops:
      if (!parse_count(value, device.value))
        return invalid("invalid rate for device: " + shown +
                       ". The correct format is <device-path>:<number>. Number must be a positive "
                       "integer");
      break;
  }
  return device;
}

Status resolve_blkio_device(BlkioDevice& device) {
  struct stat st;
  if (::stat(device.path.c_str(), &st) != 0)
    return fail("stat " + device.path + ": " + go_errno_text(errno));
  if (!S_ISBLK(st.st_mode)) return fail("stat " + device.path + ": " + go_errno_text(ENOTBLK));
  device.major = ::major(st.st_rdev);
  device.minor = ::minor(st.st_rdev);
  return ok();
}

Status resolve_blkio_devices(BlkioDeviceLimits& d) {
  for (auto* list : {&d.weight, &d.read_bps, &d.write_bps, &d.read_iops, &d.write_iops})
    for (auto& device : *list) {
      ASUP_TRY(resolve_blkio_device(device));
    }
  return ok();
}

}  // namespace asup::cgroup
