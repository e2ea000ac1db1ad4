// The resource flags of `run` and `create` that `update` does not have: swappiness, the
// per-device I/O limits, device cgroup rules, the cgroup parent, and Windows' flags.
// Per-device values, rules and the parent go as typed: asupd parses them with Docker's
// texts, and only it can look the devices up.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "api/requests.hpp"
#include "asup/result.hpp"

namespace asup::cli {

struct RunResourceFlags {
  std::int64_t memory_swappiness = -1;  // Docker's default: the kernel's
  std::vector<std::string> blkio_weight_device, device_read_bps, device_write_bps, device_read_iops,
      device_write_iops, device_cgroup_rules;
  std::string cgroup_parent;
  // Windows' flags, by name, as given: Docker's CLI refuses them for a Linux daemon.
  std::vector<std::string> windows_flags;
};

void add_run_resource_flags(CLI::App& cmd, RunResourceFlags& flags);

// Fills the request, or fails with Docker's CLI text: "invalid value: 101. Valid memory
// swappiness range is 0-100", "\"--cpu-count\" is only supported on a Docker daemon
// running on windows, but the Docker daemon is running on linux".
Status add_run_resources(const RunResourceFlags& flags, api::RunRequest& req);

}  // namespace asup::cli
