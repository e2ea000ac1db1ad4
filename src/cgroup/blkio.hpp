// Block I/O weight (--blkio-weight): the group's share of a disk under contention. The
// kernel has a file per I/O scheduler that honours weights, and which exist depends on
// the schedulers built in: v1 blkio.weight (CFQ, gone since Linux 5.0) and
// blkio.bfq.weight (BFQ); v2 io.weight (iocost) and io.bfq.weight (BFQ).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "cgroup/blkio_device.hpp"
#include "cgroup/plan.hpp"

namespace asup::cgroup::blkio {

inline constexpr std::string_view kControllerV1 = "blkio";
inline constexpr std::string_view kControllerV2 = "io";
inline constexpr std::string_view kWeightV1 = "blkio.weight";
inline constexpr std::string_view kBfqWeightV1 = "blkio.bfq.weight";
inline constexpr std::string_view kWeightV2 = "io.weight";
inline constexpr std::string_view kBfqWeightV2 = "io.bfq.weight";
// Per device: v1 has a file per limit, one "MAJ:MIN VALUE" line written per device; v2
// has io.max, one "MAJ:MIN rbps=N wbps=N riops=N wiops=N" line per device, and takes
// per-device weights in the weight files as "MAJ:MIN WEIGHT".
inline constexpr std::string_view kWeightDeviceV1 = "blkio.weight_device";
inline constexpr std::string_view kBfqWeightDeviceV1 = "blkio.bfq.weight_device";
inline constexpr std::string_view kReadBpsV1 = "blkio.throttle.read_bps_device";
inline constexpr std::string_view kWriteBpsV1 = "blkio.throttle.write_bps_device";
inline constexpr std::string_view kReadIopsV1 = "blkio.throttle.read_iops_device";
inline constexpr std::string_view kWriteIopsV1 = "blkio.throttle.write_iops_device";
inline constexpr std::string_view kMaxV2 = "io.max";

inline constexpr std::uint16_t kMinWeight = 10;
inline constexpr std::uint16_t kMaxWeight = 1000;

// io.weight (1..10000) for a blkio weight (10..1000), the mapping runc and crun use:
// 10 -> 1, 500 -> 4950, 1000 -> 10000.
std::int64_t io_weight_of(std::uint16_t weight);

// The writes for a weight (0: none). Each scheduler's file is optional and written where
// it exists, so that the weight holds whichever scheduler a disk uses; BFQ's files take
// the blkio range as it is.
std::vector<Setting> settings(Version version, std::uint16_t weight);

// The writes for the per-device limits, in the order given: weights (each scheduler's
// file optional, as for the weight), then v1's throttle files or v2's io.max, one line
// per device with every limit it has. A rate of 0 lifts the device's limit (v2: "max").
std::vector<Setting> device_settings(Version version, const BlkioDeviceLimits& devices);

}  // namespace asup::cgroup::blkio
