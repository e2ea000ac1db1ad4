// The cpuset controller: which CPUs and memory nodes a group's tasks may use, and the
// kernel's list syntax for them ("0-2,4").
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"
#include "cgroup/plan.hpp"

namespace asup::cgroup::cpuset {

inline constexpr std::string_view kController = "cpuset";
// Same names on v1 and v2; v1 lacks the ".effective" suffix the v2 root reads with.
inline constexpr std::string_view kCpus = "cpuset.cpus";
inline constexpr std::string_view kMems = "cpuset.mems";

// The numbers of a list such as "0-2,4" (ranges inclusive, no spaces inside an item; a
// trailing newline, as the kernel prints it, is accepted). An empty list is an empty set.
// Errors: EINVAL, "invalid list item \"3-1\"".
Result<std::set<unsigned>> parse_list(std::string_view text);

// The writes for --cpuset-cpus / --cpuset-mems. On v1 a new cpuset group starts with both
// files empty, and the kernel refuses a task into it until both hold something: when
// either is set, both are written and the one not given takes the parent group's value
// (Setting::inherit). On v2 an empty file means "the parent's", so only the given ones
// are written; `for_update` asks the same of v1 (a live group has both already).
std::vector<Setting> settings(Version version, const std::optional<std::string>& cpus,
                              const std::optional<std::string>& mems, bool for_update);

// The value a v1 group's `file` (cpuset.cpus or cpuset.mems) inherits: its parent's. A
// parent that is itself empty (a parent group this process made, which the kernel left
// empty) is given its own parent's first, up to `hierarchy_root`, so that the chain is
// usable. `create`: a plain directory (a test fixture), whose files are created when written.
Result<std::string> inherited_value(const std::string& group_dir, std::string_view file,
                                    const std::string& hierarchy_root, bool create);

}  // namespace asup::cgroup::cpuset
