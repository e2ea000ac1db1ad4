// Per-device block I/O limits (--blkio-weight-device, --device-read-bps, ...): types only,
// so the cgroup interface can carry them without depending on how either backend spells
// them (blkio.hpp). The path is what the user named, kept for inspect; the numbers are
// those of the node it named when the container was made.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"

namespace asup::cgroup {

struct BlkioDevice {
  std::string path;  // "/dev/vda"
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint64_t value = 0;  // a weight (10..1000), bytes or operations per second

  bool operator==(const BlkioDevice&) const = default;
};

struct BlkioDeviceLimits {
  std::vector<BlkioDevice> weight;  // --blkio-weight-device
  std::vector<BlkioDevice> read_bps;
  std::vector<BlkioDevice> write_bps;
  std::vector<BlkioDevice> read_iops;
  std::vector<BlkioDevice> write_iops;

  bool empty() const {
    return weight.empty() && read_bps.empty() && write_bps.empty() && read_iops.empty() &&
           write_iops.empty();
  }
  bool operator==(const BlkioDeviceLimits&) const = default;
};

// What a per-device value is: --blkio-weight-device's weight (0 or 10..1000),
// --device-{read,write}-bps's rate (a byte size: "1mb", "512k", "1048576") or
// --device-{read,write}-iops's count (digits).
enum class BlkioValue { Weight, Bps, Iops };

// "PATH:VALUE" as Docker's CLI validates it (opts/throttledevice.go, weightdevice.go): the
// path under /dev/; the error is its text behind `flag`'s name: invalid argument "X" for
// "--device-read-bps" flag: bad format for device path: X. The numbers are left 0.
Result<BlkioDevice> parse_blkio_device(std::string_view text, BlkioValue kind,
                                       std::string_view flag);

// Fills in the numbers of the block device at `device.path`, as Docker's daemon does with
// stat(2): "stat /dev/nope: no such file or directory"; a path that is no block device
// fails with "stat PATH: block device required" rather than limiting device 0:0.
Status resolve_blkio_device(BlkioDevice& device);
// Every device of every list.
Status resolve_blkio_devices(BlkioDeviceLimits& devices);

}  // namespace asup::cgroup
