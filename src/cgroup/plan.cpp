#include "cgroup/plan.hpp"

#include <algorithm>

#include "cgroup/blkio.hpp"
#include "cgroup/cpu.hpp"
#include "cgroup/cpuset.hpp"
#include "cgroup/devices.hpp"
#include "cgroup/memory.hpp"
#include "cgroup/pids.hpp"

namespace asup::cgroup {

namespace {

void append(std::vector<Setting>& plan, std::vector<Setting> more) {
  for (auto& s : more) plan.push_back(std::move(s));
}

// Every limit but the device rules: what both a new group and an update set.
Result<std::vector<Setting>> plan_resources(Version version, const Limits& limits,
                                            std::optional<std::int64_t> memory_limit_now,
                                            bool for_update, std::vector<std::string>* warnings) {
  std::vector<Setting> plan;
  ASUP_TRY(auto memory, memory::settings(version, limits, memory_limit_now, warnings));
  append(plan, std::move(memory));
  append(plan, cpuset::settings(version, limits.cpuset_cpus, limits.cpuset_mems, for_update));
  ASUP_TRY(auto cpu, cpu::settings(version, limits));
  append(plan, std::move(cpu));
  append(plan, blkio::settings(version, limits.blkio_weight));
  append(plan, blkio::device_settings(version, limits.blkio_devices));
  if (limits.pids) append(plan, pids::settings(version, *limits.pids));
  return plan;
}

}  // namespace

Result<std::vector<Setting>> plan_limits(Version version, const Limits& limits,
                                         std::vector<std::string>* warnings) {
  ASUP_TRY(auto plan, plan_resources(version, limits, std::nullopt, false, warnings));
  if (!limits.devices.empty()) append(plan, devices::settings(version, limits.devices));
  return plan;
}

Result<std::vector<Setting>> plan_update(Version version, const Limits& limits,
                                         std::optional<std::int64_t> memory_limit_now,
                                         std::vector<std::string>* warnings) {
  return plan_resources(version, limits, memory_limit_now, true, warnings);
}

Status check_group_id(const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos ||
      id.find('\0') != std::string::npos)
    return fail(EINVAL, "cgroup name \"" + id + "\"");
  return ok();
}

Result<std::string> normalize_parent(const std::string& text) {
  if (text.empty()) return std::string();
  if (text.find('\0') != std::string::npos) return fail(EINVAL, "cgroup parent \"" + text + "\"");
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t slash = text.find('/', start);
    if (slash == std::string::npos) slash = text.size();
    std::string part = text.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = slash + 1;
  }
  std::string out;
  for (const auto& part : parts) out += "/" + part;
  return out.empty() ? std::string("/") : out;
}

std::vector<std::string> controllers_of(const std::vector<Setting>& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan)
    if (std::find(out.begin(), out.end(), s.controller) == out.end()) out.push_back(s.controller);
  return out;
}

std::vector<std::string> required_controllers_of(const std::vector<Setting>& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan)
    if (!s.optional && std::find(out.begin(), out.end(), s.controller) == out.end())
      out.push_back(s.controller);
  return out;
}

}  // namespace asup::cgroup
