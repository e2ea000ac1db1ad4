// The freezer: what Docker's pause does. v1 has a freezer hierarchy whose groups hold
// freezer.state (THAWED, FREEZING, FROZEN); v2 has cgroup.freeze in every group (Linux 5.2)
// and reports the outcome as "frozen 0|1" in cgroup.events. Freezing is not instant on
// either: the kernel stops each task at its next return to user space, so a write starts
// it and a later read says when it is done.
//
// Signals and frozen tasks: on v2 a fatal signal still kills a frozen task (cgroup.kill
// included); on v1 a frozen task acts on no signal, SIGKILL included, until it is thawed.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "asup/result.hpp"
#include "cgroup/cgroup.hpp"
#include "cgroup/plan.hpp"

namespace asup::cgroup::freezer {

inline constexpr std::string_view kController = "freezer";  // the v1 hierarchy
inline constexpr std::string_view kStateV1 = "freezer.state";
inline constexpr std::string_view kFreezeV2 = "cgroup.freeze";
inline constexpr std::string_view kEventsV2 = "cgroup.events";

// How long freeze() waits for the kernel before it thaws the group again and fails. A
// freeze normally completes in well under a millisecond; this bounds what a caller on the
// event loop can be held up by a group that will not freeze.
inline constexpr std::chrono::milliseconds kTimeout{1000};

// Freezes the group whose files are in `dir` (its directory in the freezer hierarchy on
// v1, the group itself on v2) and returns once the kernel reports it frozen. On failure
// or timeout the group is thawed again: one left FREEZING is neither paused nor running.
// `name` names the container in errors ("freeze ID: timed out ...").
Status freeze(Version version, const std::string& dir, bool kernel_files, const std::string& name,
              std::chrono::milliseconds timeout = kTimeout);
// Thaws the group; one without the freezer's files (a kernel without a freezer) was never
// frozen, so that is success.
Status thaw(Version version, const std::string& dir, bool kernel_files);
// The group's state; one without the freezer's files is Thawed.
Result<FreezerState> state(Version version, const std::string& dir);

// freezer.state's text ("FROZEN\n") as a state.
Result<FreezerState> parse_v1_state(std::string_view text);

// Calls `done` until it answers true, fails, or `timeout` has passed: at once, then after
// sleeps of 1, 2, 4 and 8 ms, then every 10 ms. Answers whether `done` said true.
Result<bool> wait_until(const std::function<Result<bool>()>& done,
                        std::chrono::milliseconds timeout);

}  // namespace asup::cgroup::freezer
