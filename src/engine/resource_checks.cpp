#include "engine/resource_checks.hpp"

#include "api/replies.hpp"
#include "cgroup/blkio_device.hpp"
#include "cgroup/devices.hpp"
#include "engine/run_config.hpp"

namespace asup::engine {
namespace {

// The mount every backend of cgroup::detect looks at.
constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

// Windows' flags, as Docker's Linux daemon answers them: the I/O maxima refused
// (runconfig's validateQoS), CPU percent dropped with its warning, CPU count dropped.
Status fit_windows_resources(api::RunRequest& r, std::vector<std::string>& warnings) {
  if (r.io_maxbandwidth.value_or(0) != 0)
    return fail(EINVAL,
                "Invalid QoS settings: linux does not support configuration of maximum bandwidth");
  if (r.io_maxiops.value_or(0) != 0)
    return fail(EINVAL,
                "Invalid QoS settings: linux does not support configuration of maximum IOPs");
  if (r.cpu_percent.value_or(0) > 0)
    warnings.emplace_back("linux does not support CPU percent. Percent discarded.");
  r.cpu_percent.reset();
  r.cpu_count.reset();
  return ok();
}

// What fails to parse among the per-device limits, the rules and the parent, with
// Docker's words.
Status check_device_fields(const api::RunRequest& r) {
  const std::pair<const std::vector<std::string>*, std::pair<cgroup::BlkioValue, const char*>>
      lists[] = {
          {&r.blkio_weight_device, {cgroup::BlkioValue::Weight, "--blkio-weight-device"}},
          {&r.device_read_bps, {cgroup::BlkioValue::Bps, "--device-read-bps"}},
          {&r.device_write_bps, {cgroup::BlkioValue::Bps, "--device-write-bps"}},
          {&r.device_read_iops, {cgroup::BlkioValue::Iops, "--device-read-iops"}},
          {&r.device_write_iops, {cgroup::BlkioValue::Iops, "--device-write-iops"}},
      };
  for (const auto& [texts, how] : lists)
    for (const auto& text : *texts) {
      ASUP_TRY(cgroup::parse_blkio_device(text, how.first, how.second));
    }
  for (const auto& text : r.device_cgroup_rules)
    if (auto rule = cgroup::devices::parse_cgroup_rule(text); !rule)
      return fail(EINVAL, "invalid argument \"" + text +
                              "\" for \"--device-cgroup-rule\" flag: " + rule.error().message);
  ASUP_TRY(cgroup::normalize_parent(r.cgroup_parent));
  return ok();
}

}  // namespace

cgroup::HostResources host_resources(const cgroup::Manager& cgroups) {
  auto version = cgroups.version() == "v2" ? cgroup::Version::V2 : cgroup::Version::V1;
  return cgroup::host_resources(version, kCgroupRoot);
}

Result<std::vector<std::string>> fit_run_limits(api::RunRequest& r,
                                                const cgroup::HostResources& host) {
  std::vector<std::string> windows;
  ASUP_TRY(fit_windows_resources(r, windows));
  ASUP_TRY(check_device_fields(r));
  ASUP_TRY(auto checked, cgroup::check_limits(run_limits(r), host, cgroup::Purpose::Create));
  checked.warnings.insert(checked.warnings.end(), windows.begin(), windows.end());
  // A device path must name a block device now, as a start will look it up again; what the
  // host cannot limit was dropped above, without a look.
  ASUP_TRY(cgroup::resolve_blkio_devices(checked.limits.blkio_devices));
  // Only these are ever dropped (check_limits' warnings); the rest stay as asked.
  const cgroup::Limits& l = checked.limits;
  r.cpuset_cpus = l.cpuset_cpus.value_or("");
  r.cpuset_mems = l.cpuset_mems.value_or("");
  r.memory_swap = l.memory_swap;
  r.oom_kill_disable = l.oom_kill_disable.value_or(false);
  if (l.blkio_weight == 0) r.blkio_weight.reset();
  if (!l.memory_swappiness) r.memory_swappiness.reset();
  const auto& d = l.blkio_devices;
  if (d.weight.empty()) r.blkio_weight_device.clear();
  if (d.read_bps.empty()) r.device_read_bps.clear();
  if (d.write_bps.empty()) r.device_write_bps.clear();
  if (d.read_iops.empty()) r.device_read_iops.clear();
  if (d.write_iops.empty()) r.device_write_iops.clear();
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
  if (req.cpu_rt_period && *req.cpu_rt_period != 0) limits.cpu_rt_period = req.cpu_rt_period;
  if (req.cpu_rt_runtime && *req.cpu_rt_runtime != 0) limits.cpu_rt_runtime = req.cpu_rt_runtime;
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
  keep(u.cpu_rt_period, kept.cpu_rt_period);
  keep(u.cpu_rt_runtime, kept.cpu_rt_runtime);
}

void send_warnings(api::Caller& caller, const std::vector<std::string>& warnings) {
  for (const auto& text : warnings) {
    api::Notice notice;
    notice.warning = text;
    caller.reply(notice);
  }
}

}  // namespace asup::engine
