#include "cgroup/plan.hpp"

#include <algorithm>

#include "cgroup/cpu.hpp"
#include "cgroup/devices.hpp"
#include "cgroup/memory.hpp"
#include "cgroup/pids.hpp"

namespace asup::cgroup {

Result<std::vector<Setting>> plan_limits(Version version, const Limits& limits) {
  std::vector<Setting> plan;
  auto add = [&plan](std::vector<Setting> more) {
    for (auto& s : more) plan.push_back(std::move(s));
  };
  if (limits.memory_bytes) add(memory::settings(version, *limits.memory_bytes));
  if (limits.cpus) {
    ASUP_TRY(auto cpu, cpu::settings(version, *limits.cpus));
    add(std::move(cpu));
  }
  if (limits.pids) add(pids::settings(version, *limits.pids));
  if (!limits.devices.empty()) add(devices::settings(version, limits.devices));
  return plan;
}

Status check_group_id(const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos ||
      id.find('\0') != std::string::npos)
    return fail(EINVAL, "cgroup name \"" + id + "\"");
  return ok();
}

std::vector<std::string> controllers_of(const std::vector<Setting>& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan)
    if (std::find(out.begin(), out.end(), s.controller) == out.end()) out.push_back(s.controller);
  return out;
}

}  // namespace asup::cgroup
