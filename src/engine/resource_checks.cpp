#include "engine/resource_checks.hpp"

#include "api/replies.hpp"
#include "engine/run_config.hpp"

namespace asup::engine {
namespace {

// The mount every backend of cgroup::detect looks at.
constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

}  // namespace

cgroup::HostResources host_resources(const cgroup::Manager& cgroups) {
  auto version = cgroups.version() == "v2" ? cgroup::Version::V2 : cgroup::Version::V1;
  return cgroup::host_resources(version, kCgroupRoot);
}

Result<std::vector<std::string>> fit_run_limits(api::RunRequest& r,
                                                const cgroup::HostResources& host) {
  ASUP_TRY(auto checked, cgroup::check_limits(run_limits(r), host, cgroup::Purpose::Create));
  // Only these are ever dropped (check_limits' warnings); the rest stay as asked.
  const cgroup::Limits& l = checked.limits;
  r.cpuset_cpus = l.cpuset_cpus.value_or("");
  r.cpuset_mems = l.cpuset_mems.value_or("");
  r.memory_swap = l.memory_swap;
  r.oom_kill_disable = l.oom_kill_disable.value_or(false);
  if (l.blkio_weight == 0) r.blkio_weight.reset();
  return std::move(checked.warnings);
}

Result<cgroup::CheckedLimits> update_limits(const api::UpdateRequest& req,
                                            const cgroup::HostResources& host) {
  cgroup::Limits limits;
  if (req.memory && *req.memory < 6 * 1024 * 1024)
    return fail(EINVAL, "Minimum memory limit allowed is 6MB");
  limits.memory_bytes = req.memory;
  if (req.cpus) {
    ASUP_TRY(check_cpus(*req.cpus));
  }
  limits.cpus = req.cpus;
  if (req.pids_limit) limits.pids = *req.pids_limit <= 0 ? -1 : *req.pids_limit;
  limits.cpuset_cpus = req.cpuset_cpus;
  limits.cpuset_mems = req.cpuset_mems;
  limits.cpu_shares = req.cpu_shares;
  limits.cpu_period = req.cpu_period;
  limits.cpu_quota = req.cpu_quota;
  limits.memory_swap = req.memory_swap;
  limits.memory_reservation = req.memory_reservation;
  if (req.blkio_weight) limits.blkio_weight = blkio_weight_of(*req.blkio_weight);
  return cgroup::check_limits(limits, host, cgroup::Purpose::Update);
}

void keep_updated_limits(const cgroup::Limits& u, cgroup::Limits& kept) {
  auto keep = [](const auto& value, auto& field) {
    if (value) field = value;
  };
  keep(u.memory_bytes, kept.memory_bytes);
  keep(u.cpus, kept.cpus);
  keep(u.pids, kept.pids);
  keep(u.cpuset_cpus, kept.cpuset_cpus);
  keep(u.cpuset_mems, kept.cpuset_mems);
  keep(u.cpu_shares, kept.cpu_shares);
  keep(u.cpu_period, kept.cpu_period);
  keep(u.cpu_quota, kept.cpu_quota);
  keep(u.memory_swap, kept.memory_swap);
  keep(u.memory_reservation, kept.memory_reservation);
  if (u.blkio_weight != 0) kept.blkio_weight = u.blkio_weight;
}

void send_warnings(api::Caller& caller, const std::vector<std::string>& warnings) {
  for (const auto& text : warnings) {
    api::Notice notice;
    notice.warning = text;
    caller.reply(notice);
  }
}

}  // namespace asup::engine
