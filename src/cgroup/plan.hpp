// Limits become a plan: the list of (controller, file, value) writes that applies them.
// Building the plan touches nothing, so it is tested without root; the backends execute it.
#pragma once

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

  bool operator==(const Setting&) const = default;
};

// In the order the files must be written.
Result<std::vector<Setting>> plan_limits(Version version, const Limits& limits);

// A container id names one directory: not empty, no '/', not "." or "..".
Status check_group_id(const std::string& id);

// The controllers a plan writes to, each once, in plan order.
std::vector<std::string> controllers_of(const std::vector<Setting>& plan);

}  // namespace asup::cgroup
