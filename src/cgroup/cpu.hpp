// The cpu controller: a CFS bandwidth limit ("--cpus 1.5" = 150 ms of CPU time per 100 ms,
// or --cpu-period and --cpu-quota as given) and a relative weight (--cpu-shares).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "asup/result.hpp"
#include "cgroup/cgroup.hpp"
#include "cgroup/plan.hpp"

namespace asup::cgroup::cpu {

inline constexpr std::string_view kController = "cpu";
// v1: two files, in microseconds; a quota of -1 is unlimited.
inline constexpr std::string_view kPeriodV1 = "cpu.cfs_period_us";
inline constexpr std::string_view kQuotaV1 = "cpu.cfs_quota_us";
inline constexpr std::string_view kSharesV1 = "cpu.shares";
// Real-time scheduling bandwidth (CONFIG_RT_GROUP_SCHED, v1 only): the group's tasks may
// run real-time for the runtime within each period, in microseconds. A group may get
// no more runtime than its parent has left, and the parent of a new group has none
// unless someone gave it some.
inline constexpr std::string_view kRtPeriodV1 = "cpu.rt_period_us";
inline constexpr std::string_view kRtRuntimeV1 = "cpu.rt_runtime_us";
// v2: one file, "$QUOTA $PERIOD" in microseconds, quota first ("max 100000" = unlimited);
// the period may be left out, and then stays as it was.
inline constexpr std::string_view kMaxV2 = "cpu.max";
inline constexpr std::string_view kWeightV2 = "cpu.weight";

// Docker's period: 100 ms.
inline constexpr std::int64_t kPeriodUs = 100000;
// The kernel refuses quotas below 1 ms.
inline constexpr std::int64_t kMinQuotaUs = 1000;
// The v1 kernel's range of cpu.shares (it clamps what is written to it).
inline constexpr std::int64_t kMinShares = 2;
inline constexpr std::int64_t kMaxShares = 262144;

// cpus * period, rounded; an error when the quota would be below the kernel's minimum.
Result<std::int64_t> quota_us(double cpus, std::int64_t period_us = kPeriodUs);

// v2's cpu.weight (1..10000) for v1 shares, the mapping runc and crun use, so that a
// container gets the same share of the CPU on either version: 2 -> 1, 1024 -> 39,
// 262144 -> 10000. Shares outside v1's range are clamped to it first, as v1 does.
std::int64_t weight_of_shares(std::int64_t shares);

// The writes for limits.cpus, cpu_shares, cpu_period, cpu_quota, cpu_rt_period and
// cpu_rt_runtime that are set. --cpus is a quota over --cpu-period when both are given,
// else over Docker's 100 ms; cpus <= 0 and a quota <= 0 mean unlimited; shares <= 0 leave
// the weight alone. The real-time files are v1's alone (check_limits refuses them on v2),
// the period first, as the runtime is checked against it.
Result<std::vector<Setting>> settings(Version version, const Limits& limits);

}  // namespace asup::cgroup::cpu
