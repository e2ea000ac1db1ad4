// Limits become a plan: the list of (controller, file, value) writes that applies them.
// Building the plan touches nothing, so it is tested without root; the backends execute it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "asup/result.hpp"
#include "cgroup/cgroup.hpp"

namespace asup::cgroup {

enum class Version { V1, V2 };

struct Setting {
  std::string controller;  // "memory": the v1 hierarchy, or the v2 controller to enable
  std::string file;        // "memory.max", relative to the group directory
  std::string value;       // exactly what is written
  // Absent on kernels built without the feature (swap accounting): skipped when missing.
  bool optional = false;
  // v1 cpuset: `value` is empty and the parent group's value of `file` is written, read
  // when the plan runs (cpuset::inherited_value).
  bool inherit = false;

  bool operator==(const Setting&) const = default;
};

// In the order the files must be written. A limit the version cannot apply (v2 has no
// --oom-kill-disable) is left out and, when `warnings` is given, a line saying so is
// appended to it, in Docker's words, for the user to see.
Result<std::vector<Setting>> plan_limits(Version version, const Limits& limits,
                                         std::vector<std::string>* warnings = nullptr);

// The writes that change a live group's limits to those of `limits` that are set, in
// plan_limits' order: the memory limit first, being the write the kernel may refuse
// (below what the group uses), so that a refusal comes before anything else changed.
// Device rules are no part of an update. `memory_limit_now` is the group's memory limit:
// on v1 it decides the order of the memory and memsw writes (memory::settings), on v2 it
// is what a --memory-swap given without --memory counts from (memory.swap.max).
Result<std::vector<Setting>> plan_update(Version version, const Limits& limits,
                                         std::optional<std::int64_t> memory_limit_now,
                                         std::vector<std::string>* warnings = nullptr);

// A container id names one directory: not empty, no '/', not "." or "..".
Status check_group_id(const std::string& id);

// --cgroup-parent as the managers take it: relative to each hierarchy's root whether it
// was typed with a leading '/' or not (Docker's cgroupfs driver), cleaned as Go's
// filepath.Clean cleans "/" + text, so ".." never leads above the root: "a//b/" and
// "/a/./b" are "/a/b", "../x" is "/x", "/" the root itself. Empty stays empty (the
// daemon's parent). A NUL byte is refused.
Result<std::string> normalize_parent(const std::string& text);

// The controllers a plan writes to, each once, in plan order.
std::vector<std::string> controllers_of(const std::vector<Setting>& plan);
// Those of them with a setting that is not optional: a host without one of these cannot
// apply the plan.
std::vector<std::string> required_controllers_of(const std::vector<Setting>& plan);

}  // namespace asup::cgroup
