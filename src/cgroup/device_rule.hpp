// One device access rule, the unit of a container's device policy: which device nodes it
// may create (mknod), read and write. Types only, so the cgroup interface can carry rules
// without depending on how either backend applies them (devices.hpp, device_filter.hpp).
#pragma once

#include <cstdint>
#include <optional>

namespace asup::cgroup {

// The letters are the kernel's (cgroup v1 devices.allow, Docker's --device-cgroup-rule).
enum class DeviceType : char { All = 'a', Block = 'b', Char = 'c' };

// Access bits of a rule. They happen to equal the kernel's BPF_DEVCG_ACC_* values; the
// BPF compiler maps them explicitly all the same.
inline constexpr std::uint8_t kDeviceMknod = 1;
inline constexpr std::uint8_t kDeviceRead = 2;
inline constexpr std::uint8_t kDeviceWrite = 4;
inline constexpr std::uint8_t kDeviceAllAccess = kDeviceMknod | kDeviceRead | kDeviceWrite;

struct DeviceRule {
  bool allow = false;
  // All matches every device whatever the numbers and access say, as v1's "a" does.
  DeviceType type = DeviceType::All;
  std::optional<std::uint32_t> major;  // absent: any ("*")
  std::optional<std::uint32_t> minor;  // absent: any ("*")
  std::uint8_t access = kDeviceAllAccess;

  bool operator==(const DeviceRule&) const = default;
};

}  // namespace asup::cgroup
