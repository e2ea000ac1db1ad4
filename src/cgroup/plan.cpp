#include "cgroup/plan.hpp"

#include <algorithm>

#include "cgroup/cpu.hpp"
#include "cgroup/devices.hpp"
#include "cgroup/memory.hpp"
#include "cgroup/pids.hpp"

namespace asup::cgroup {

namespace {

void append(std::vector<Setting>& plan, std::vector<Setting> more) {
  for (auto& s : more) plan.push_back(std::move(s));
}

// Memory, cpus and pids: what both a new group and an update set.
Result<std::vector<Setting>> plan_resources(Version version, const Limits& limits,
                                            std::optional<std::int64_t> memory_limit_now) {
  std::vector<Setting> plan;
  if (limits.memory_bytes)
    append(plan, memory::settings(version, *limits.memory_bytes, memory_limit_now));
  if (limits.cpus) {
    ASUP_TRY(auto cpu, cpu::settings(version, *limits.cpus));
    append(plan, std::move(cpu));
  }
  if (limits.pids) append(plan, pids::settings(version, *limits.pids));
  return plan;
}

}  // namespace

Result<std::vector<Setting>> plan_limits(Version version, const Limits& limits) {
  ASUP_TRY(auto plan, plan_resources(version, limits, std::nullopt));
  if (!limits.devices.empty()) append(plan, devices::settings(version, limits.devices));
  return plan;
}

Result<std::vector<Setting>> plan_update(Version version, const Limits& limits,
                                         std::optional<std::int64_t> memory_limit_now) {
  return plan_resources(version, limits, memory_limit_now);
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
