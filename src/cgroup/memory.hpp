// The memory controller: file names and value formats for v1 and v2, and OOM detection.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "cgroup/plan.hpp"

namespace asup::cgroup::memory {

inline constexpr std::string_view kController = "memory";
// v1
inline constexpr std::string_view kLimitV1 = "memory.limit_in_bytes";
inline constexpr std::string_view kMemswLimitV1 = "memory.memsw.limit_in_bytes";
inline constexpr std::string_view kOomControlV1 = "memory.oom_control";
// v2
inline constexpr std::string_view kMaxV2 = "memory.max";
inline constexpr std::string_view kSwapMaxV2 = "memory.swap.max";
inline constexpr std::string_view kEventsV2 = "memory.events";

// bytes <= 0 means unlimited.
std::vector<Setting> settings(Version version, std::int64_t bytes);

// True when the OOM killer killed a process of the group: the "oom_kill N" line of
// memory.oom_control (v1) or memory.events (v2) has N > 0.
bool oom_kill_reported(std::string_view oom_control_or_events);

}  // namespace asup::cgroup::memory
