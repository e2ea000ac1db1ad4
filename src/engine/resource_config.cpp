#include "engine/resource_config.hpp"

#include "cgroup/blkio_device.hpp"
#include "cgroup/devices.hpp"
#include "cgroup/plan.hpp"

namespace asup::engine {
namespace {

using cgroup::BlkioDevice;
using cgroup::BlkioValue;

// The per-device lists in one order, with the request's field, config.json's key,
// inspect's name and the name of the value there.
struct DeviceList {
  std::vector<BlkioDevice> cgroup::BlkioDeviceLimits::*limits;
  std::vector<std::string> api::RunRequest::*request;
  BlkioValue kind;
  const char* flag;
  const char* key;
  const char* docker_name;
  const char* value_name;
};

constexpr DeviceList kDeviceLists[] = {
    {&cgroup::BlkioDeviceLimits::weight, &api::RunRequest::blkio_weight_device, BlkioValue::Weight,
     "--blkio-weight-device", "blkio_weight_device", "BlkioWeightDevice", "Weight"},
    {&cgroup::BlkioDeviceLimits::read_bps, &api::RunRequest::device_read_bps, BlkioValue::Bps,
     "--device-read-bps", "device_read_bps", "BlkioDeviceReadBps", "Rate"},
    {&cgroup::BlkioDeviceLimits::write_bps, &api::RunRequest::device_write_bps, BlkioValue::Bps,
     "--device-write-bps", "device_write_bps", "BlkioDeviceWriteBps", "Rate"},
    {&cgroup::BlkioDeviceLimits::read_iops, &api::RunRequest::device_read_iops, BlkioValue::Iops,
     "--device-read-iops", "device_read_iops", "BlkioDeviceReadIOps", "Rate"},
    {&cgroup::BlkioDeviceLimits::write_iops, &api::RunRequest::device_write_iops, BlkioValue::Iops,
     "--device-write-iops", "device_write_iops", "BlkioDeviceWriteIOps", "Rate"},
};

std::optional<std::int64_t> nonzero(const std::optional<std::int64_t>& v) {
  return v && *v != 0 ? v : std::nullopt;
}

template <class T>
void read_number(const nlohmann::json& j, const char* key, std::optional<T>& out) {
  if (auto it = j.find(key); it != j.end() && it->is_number_integer()) out = it->get<T>();
}

}  // namespace

void add_more_run_limits(const api::RunRequest& r, cgroup::Limits& l) {
  // -1 is Docker's "not set", which its CLI sends by default.
  if (r.memory_swappiness && *r.memory_swappiness != -1) l.memory_swappiness = r.memory_swappiness;
  l.cpu_rt_period = nonzero(r.cpu_rt_period);
  l.cpu_rt_runtime = nonzero(r.cpu_rt_runtime);
  for (const auto& list : kDeviceLists)
    for (const auto& text : r.*list.request)
      if (auto device = cgroup::parse_blkio_device(text, list.kind, list.flag))
        (l.blkio_devices.*list.limits).push_back(std::move(device).value());
  for (const auto& text : r.device_cgroup_rules)
    if (auto rule = cgroup::devices::parse_cgroup_rule(text)) l.devices.push_back(rule.value());
}

void add_more_limits_json(const cgroup::Limits& l, nlohmann::json& out) {
  if (l.memory_swappiness) out["memory_swappiness"] = *l.memory_swappiness;
  if (l.cpu_rt_period) out["cpu_rt_period"] = *l.cpu_rt_period;
  if (l.cpu_rt_runtime) out["cpu_rt_runtime"] = *l.cpu_rt_runtime;
  for (const auto& list : kDeviceLists) {
    const auto& devices = l.blkio_devices.*list.limits;
    if (devices.empty()) continue;
    nlohmann::json items = nlohmann::json::array();
    for (const auto& d : devices) items.push_back({{"path", d.path}, {"value", d.value}});
    out[list.key] = items;
  }
  if (!l.devices.empty()) {
    nlohmann::json rules = nlohmann::json::array();
    for (const auto& rule : l.devices) rules.push_back(cgroup::devices::cgroup_rule_text(rule));
    out["device_cgroup_rules"] = rules;
  }
}

void read_more_limits_json(const nlohmann::json& j, cgroup::Limits& l) {
  read_number(j, "memory_swappiness", l.memory_swappiness);
  read_number(j, "cpu_rt_period", l.cpu_rt_period);
  read_number(j, "cpu_rt_runtime", l.cpu_rt_runtime);
  for (const auto& list : kDeviceLists) {
    auto it = j.find(list.key);
    if (it == j.end() || !it->is_array()) continue;
    for (const auto& item : *it) {
      if (!item.is_object()) continue;
      auto path = item.find("path");
      auto value = item.find("value");
      if (path == item.end() || !path->is_string() || value == item.end() ||
          !value->is_number_unsigned())
        continue;
      BlkioDevice d;
      d.path = path->get<std::string>();
      d.value = value->get<std::uint64_t>();
      (l.blkio_devices.*list.limits).push_back(std::move(d));
    }
  }
  if (auto it = j.find("device_cgroup_rules"); it != j.end() && it->is_array())
    for (const auto& text : *it)
      if (text.is_string())
        if (auto rule = cgroup::devices::parse_cgroup_rule(text.get<std::string>()))
          l.devices.push_back(rule.value());
}

void add_more_resources_view(const cgroup::Limits& l, const std::string& cgroup_parent,
                             nlohmann::json& host) {
  host["MemorySwappiness"] =
      l.memory_swappiness ? nlohmann::json(*l.memory_swappiness) : nlohmann::json();
  host["CpuRealtimePeriod"] = l.cpu_rt_period.value_or(0);
  host["CpuRealtimeRuntime"] = l.cpu_rt_runtime.value_or(0);
  for (const auto& list : kDeviceLists) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& d : l.blkio_devices.*list.limits)
      items.push_back({{"Path", d.path}, {list.value_name, d.value}});
    host[list.docker_name] = items;
  }
  nlohmann::json rules;  // null when there are none, as Docker shows it
  for (const auto& rule : l.devices) rules.push_back(cgroup::devices::cgroup_rule_text(rule));
  host["DeviceCgroupRules"] = rules;
  host["CgroupParent"] = cgroup_parent;
  // What Docker's Linux daemon shows for the flags it takes and never applies.
  host["KernelMemory"] = 0;
  host["CpuCount"] = 0;
  host["CpuPercent"] = 0;
  host["IOMaximumIOps"] = 0;
  host["IOMaximumBandwidth"] = 0;
}

std::string cgroup_parent_of(const ContainerConfig& config) {
  auto parent = cgroup::normalize_parent(config.cgroup_parent);
  return parent ? parent.value() : std::string();
}

}  // namespace asup::engine
