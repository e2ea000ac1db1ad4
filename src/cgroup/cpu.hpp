// The cpu controller: a CFS bandwidth limit ("--cpus 1.5" = 150 ms of CPU time per 100 ms).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "asup/result.hpp"
#include "cgroup/plan.hpp"

namespace asup::cgroup::cpu {

inline constexpr std::string_view kController = "cpu";
// v1: two files, in microseconds; a quota of -1 is unlimited.
inline constexpr std::string_view kPeriodV1 = "cpu.cfs_period_us";
inline constexpr std::string_view kQuotaV1 = "cpu.cfs_quota_us";
// v2: one file, "$QUOTA $PERIOD" in microseconds, quota first ("max 100000" = unlimited).
inline constexpr std::string_view kMaxV2 = "cpu.max";

// Docker's period: 100 ms.
inline constexpr std::int64_t kPeriodUs = 100000;
// The kernel refuses quotas below 1 ms.
inline constexpr std::int64_t kMinQuotaUs = 1000;

// cpus * period, rounded; an error when the quota would be below the kernel's minimum.
Result<std::int64_t> quota_us(double cpus);

// cpus <= 0 means unlimited.
Result<std::vector<Setting>> settings(Version version, double cpus);

}  // namespace asup::cgroup::cpu
