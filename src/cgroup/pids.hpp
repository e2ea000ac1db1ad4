// The pids controller: the most tasks the group may hold (a fork bomb's ceiling).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "cgroup/plan.hpp"

namespace asup::cgroup::pids {

inline constexpr std::string_view kController = "pids";
// Same name and format on v1 and v2: a count, or "max".
inline constexpr std::string_view kMax = "pids.max";

// limit <= 0 means unlimited (Docker's --pids-limit 0 / -1).
std::vector<Setting> settings(Version version, std::int64_t limit);

}  // namespace asup::cgroup::pids
