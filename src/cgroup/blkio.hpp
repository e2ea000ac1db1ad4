// Block I/O weight (--blkio-weight): the group's share of a disk under contention. The
// kernel has a file per I/O scheduler that honours weights, and which exist depends on
// the schedulers built in: v1 blkio.weight (CFQ, gone since Linux 5.0) and
// blkio.bfq.weight (BFQ); v2 io.weight (iocost) and io.bfq.weight (BFQ).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "cgroup/plan.hpp"

namespace asup::cgroup::blkio {

inline constexpr std::string_view kControllerV1 = "blkio";
inline constexpr std::string_view kControllerV2 = "io";
inline constexpr std::string_view kWeightV1 = "blkio.weight";
inline constexpr std::string_view kBfqWeightV1 = "blkio.bfq.weight";
inline constexpr std::string_view kWeightV2 = "io.weight";
inline constexpr std::string_view kBfqWeightV2 = "io.bfq.weight";

inline constexpr std::uint16_t kMinWeight = 10;
inline constexpr std::uint16_t kMaxWeight = 1000;

// io.weight (1..10000) for a blkio weight (10..1000), the mapping runc and crun use:
// 10 -> 1, 500 -> 4950, 1000 -> 10000.
std::int64_t io_weight_of(std::uint16_t weight);

// The writes for a weight (0: none). Each scheduler's file is optional and written where
// it exists, so that the weight holds whichever scheduler a disk uses; BFQ's files take
// the blkio range as it is.
std::vector<Setting> settings(Version version, std::uint16_t weight);

}  // namespace asup::cgroup::blkio
