// The memory controller: file names and value formats for v1 and v2, OOM detection, and
// what a limit below the group's usage means on each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"
#include "cgroup/plan.hpp"

namespace asup::cgroup::memory {

inline constexpr std::string_view kController = "memory";
// v1
inline constexpr std::string_view kLimitV1 = "memory.limit_in_bytes";
inline constexpr std::string_view kMemswLimitV1 = "memory.memsw.limit_in_bytes";
inline constexpr std::string_view kOomControlV1 = "memory.oom_control";
inline constexpr std::string_view kUsageV1 = "memory.usage_in_bytes";
inline constexpr std::string_view kSoftLimitV1 = "memory.soft_limit_in_bytes";
inline constexpr std::string_view kSwappinessV1 = "memory.swappiness";
// v2
inline constexpr std::string_view kMaxV2 = "memory.max";
inline constexpr std::string_view kSwapMaxV2 = "memory.swap.max";
inline constexpr std::string_view kEventsV2 = "memory.events";
inline constexpr std::string_view kCurrentV2 = "memory.current";
inline constexpr std::string_view kLowV2 = "memory.low";

// Docker's words when --oom-kill-disable cannot be applied (cgroup v2 has no such switch).
inline constexpr std::string_view kOomKillDisableWarning =
    "Your kernel does not support OomKillDisable. OomKillDisable discarded.";

// The writes for the memory fields of `limits` that are set: memory_bytes (<= 0 means
// unlimited), memory_swap (memory plus swap, as Docker counts it; -1 is unlimited swap;
// without it a memory limit allows no swap), memory_reservation, oom_kill_disable and
// memory_swappiness (v1 only: v2 has no such file, and check_limits drops it there).
//
// `limit_now` is the group's memory limit now. v1 refuses a memory limit above the memsw
// limit (EINVAL), so memsw goes first when it grows past the current limit and last
// otherwise; without it (a new group, where both are unlimited) the memory limit goes
// first. v2's memory.swap.max counts swap alone: a --memory-swap without --memory counts
// from `limit_now`, and fails without one. oom_kill_disable on v2 adds
// kOomKillDisableWarning to `warnings` (when given) and writes nothing.
Result<std::vector<Setting>> settings(Version version, const Limits& limits,
                                      std::optional<std::int64_t> limit_now,
                                      std::vector<std::string>* warnings);

// True when the OOM killer killed a process of the group: the "oom_kill N" line of
// memory.oom_control (v1) or memory.events (v2) has N > 0.
bool oom_kill_reported(std::string_view oom_control_or_events);

// A setting that caps the group's memory, which the kernel may refuse when the group uses
// more: memory.limit_in_bytes and memory.memsw.limit_in_bytes on v1, memory.max on v2.
bool caps_usage(const Setting& setting);

// Refuses, before it is written, a v2 memory.max below what the group in `dir` uses now.
// v1 refuses such a limit itself (EBUSY, once reclaim could not make room); v2 sets it and
// then OOM-kills the group, so this check keeps the two alike, as runc's
// memory.checkBeforeUpdate does. Best effort: the usage may grow between the check and
// the write, and a usage that cannot be read lets the write through. Anything but a v2
// memory.max passes.
Status check_usage(Version version, const Setting& setting, const std::string& dir);

// The error for `setting` refused because the group in `dir` uses more memory: EBUSY,
// "Cannot update container memory: the limit of N bytes is below the M bytes the
// container uses now, in DIR".
Error below_usage(Version version, const Setting& setting, const std::string& dir);

}  // namespace asup::cgroup::memory
