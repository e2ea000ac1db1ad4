#include "cli/run_resource_flags.hpp"

namespace asup::cli {

void add_run_resource_flags(CLI::App& cmd, RunResourceFlags& f) {
  cmd.add_option("--memory-swappiness", f.memory_swappiness,
                 "Tune container memory swappiness (0 to 100) (default -1)");
  cmd.add_option("--blkio-weight-device", f.blkio_weight_device,
                 "Block IO weight (relative device weight), PATH:WEIGHT")
      ->allow_extra_args(false);
  cmd.add_option("--device-read-bps", f.device_read_bps,
                 "Limit read rate (bytes per second) from a device, PATH:RATE[kb|mb|gb]")
      ->allow_extra_args(false);
  cmd.add_option("--device-write-bps", f.device_write_bps,
                 "Limit write rate (bytes per second) to a device, PATH:RATE[kb|mb|gb]")
      ->allow_extra_args(false);
  cmd.add_option("--device-read-iops", f.device_read_iops,
                 "Limit read rate (IO per second) from a device, PATH:N")
      ->allow_extra_args(false);
  cmd.add_option("--device-write-iops", f.device_write_iops,
                 "Limit write rate (IO per second) to a device, PATH:N")
      ->allow_extra_args(false);
  cmd.add_option("--device-cgroup-rule", f.device_cgroup_rules,
                 "Add a rule to the cgroup allowed devices list ('c 1:3 mr')")
      ->allow_extra_args(false);
  cmd.add_option("--cgroup-parent", f.cgroup_parent, "Optional parent cgroup for the container");
  // Windows only: taken so that Docker's answer can be given, never sent.
  for (const char* name : {"cpu-count", "cpu-percent", "io-maxbandwidth", "io-maxiops"}) {
    std::string flag = std::string("--") + name;
    cmd.add_option_function<std::string>(
           flag, [&f, name](const std::string&) { f.windows_flags.emplace_back(name); },
           "Windows only")
        ->group("");
  }
}

Status add_run_resources(const RunResourceFlags& f, api::RunRequest& req) {
  if (!f.windows_flags.empty())
    return fail("\"--" + f.windows_flags.front() +
                "\" is only supported on a Docker daemon running on windows, but the Docker "
                "daemon is running on linux");
  if (f.memory_swappiness != -1 && (f.memory_swappiness < 0 || f.memory_swappiness > 100))
    return fail("invalid value: " + std::to_string(f.memory_swappiness) +
                ". Valid memory swappiness range is 0-100");
  if (f.memory_swappiness != -1) req.memory_swappiness = f.memory_swappiness;
  req.blkio_weight_device = f.blkio_weight_device;
  req.device_read_bps = f.device_read_bps;
  req.device_write_bps = f.device_write_bps;
  req.device_read_iops = f.device_read_iops;
  req.device_write_iops = f.device_write_iops;
  req.device_cgroup_rules = f.device_cgroup_rules;
  req.cgroup_parent = f.cgroup_parent;
  return ok();
}

}  // namespace asup::cli
