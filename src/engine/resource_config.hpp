// The resource flags past the first ones (--memory-swappiness, --cpu-rt-*, the per-device
// I/O limits, --device-cgroup-rule, --cgroup-parent) on their way through a container's
// life: from the request into its limits, into config.json and back, and into inspect's
// HostConfig under Docker's names. Pure functions: unit-tested without a daemon.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/requests.hpp"
#include "cgroup/cgroup.hpp"
#include "engine/container.hpp"

namespace asup::engine {

// Adds what `request` asks for of those flags to `limits`. Values that do not parse are
// left out: fit_run_limits refused them before any container was made. Devices keep
// their paths; their numbers are looked up at each start (cgroup::resolve_blkio_devices).
void add_more_run_limits(const api::RunRequest& request, cgroup::Limits& limits);

// config.json's keys for them, beside the others of "limits".
void add_more_limits_json(const cgroup::Limits& limits, nlohmann::json& out);
void read_more_limits_json(const nlohmann::json& j, cgroup::Limits& limits);

// HostConfig's MemorySwappiness, CpuRealtimePeriod, CpuRealtimeRuntime, BlkioWeightDevice,
// BlkioDeviceReadBps (and the three others), DeviceCgroupRules and CgroupParent.
void add_more_resources_view(const cgroup::Limits& limits, const std::string& cgroup_parent,
                             nlohmann::json& host);

// The parent the container's group goes under, as cgroup::Manager takes it ("": asupd's).
std::string cgroup_parent_of(const ContainerConfig& config);

}  // namespace asup::engine
