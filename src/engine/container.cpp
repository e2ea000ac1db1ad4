#include "engine/container.hpp"

#include <time.h>

#include <algorithm>
#include <type_traits>

#include "core/fs.hpp"
#include "engine/resource_config.hpp"

namespace asup::engine {

const char* to_string(RunState status) {
  switch (status) {
    case RunState::Created:
      return "created";
    case RunState::Running:
      return "running";
    case RunState::Paused:
      return "paused";
    case RunState::Restarting:
      return "restarting";
    case RunState::Exited:
      return "exited";
  }
  return "unknown";
}

std::int64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

nlohmann::json to_json(const ContainerConfig& c) {
  nlohmann::json devices = nlohmann::json::array();
  for (auto& d : c.devices)
    devices.push_back({{"host", d.path_on_host},
                       {"container", d.path_in_container},
                       {"permissions", d.cgroup_permissions}});
  return {{"id", c.id},
          {"name", c.name},
          {"image", c.image},
          {"image_id", c.image_id},
          {"created", c.created_ns},
          {"argv", c.argv},
          {"env", c.env},
          {"workdir", c.workdir},
          {"user", c.user},
          {"hostname", c.hostname},
          {"volumes", mounts_to_json(c.volumes)},
          {"tmpfs", c.tmpfs},
          {"devices", devices},
          {"limits", limits_to_json(c.limits)},
          {"cgroup_parent", c.cgroup_parent},
          {"oom_score_adj", c.oom_score_adj ? nlohmann::json(*c.oom_score_adj) : nlohmann::json()},
          {"log_size", c.log_size},
          {"log_driver", c.log_driver},
          {"log_opts", c.log_opts},
          {"auto_remove", c.auto_remove},
          {"interactive", c.interactive},
          {"stop_signal", c.stop_signal},
          {"network_mode", c.network_mode},
          {"requested_ip", c.requested_ip},
          {"publish", c.publish},
          {"publish_all", c.publish_all},
          {"tty", c.tty},
          {"healthcheck", c.healthcheck ? health_config_to_json(*c.healthcheck) : nlohmann::json()},
          {"restart", c.restart.text()},
          {"labels", c.labels},
          {"stop_timeout", c.stop_timeout ? nlohmann::json(*c.stop_timeout) : nlohmann::json()},
          {"network_aliases", c.network_aliases},
          {"security", to_json(c.security)},
          {"namespaces", to_json(c.namespaces)},
          {"links", c.links},
          {"net_options", network::to_json(c.net_options)}};
}

namespace {

// One limit of config.json's "limits"; a value of the wrong type is left unset rather
// than trusted (or thrown on).
template <class T>
void read_limit(const nlohmann::json& j, const char* key, std::optional<T>& field) {
  auto it = j.find(key);
  if (it == j.end()) return;
  bool fits;
  if constexpr (std::is_same_v<T, bool>)
    fits = it->is_boolean();
  else if constexpr (std::is_same_v<T, std::string>)
    fits = it->is_string();
  else if constexpr (std::is_floating_point_v<T>)
    fits = it->is_number();
  else
    fits = it->is_number_integer();
  if (fits) field = it->get<T>();
}

}  // namespace

nlohmann::json limits_to_json(const cgroup::Limits& l) {
  nlohmann::json out = nlohmann::json::object();
  auto put = [&](const char* key, const auto& value) {
    if (value) out[key] = *value;
  };
  put("memory", l.memory_bytes);
  put("cpus", l.cpus);
  put("pids", l.pids);
  put("cpuset_cpus", l.cpuset_cpus);
  put("cpuset_mems", l.cpuset_mems);
  put("cpu_shares", l.cpu_shares);
  put("cpu_period", l.cpu_period);
  put("cpu_quota", l.cpu_quota);
  put("memory_swap", l.memory_swap);
  put("memory_reservation", l.memory_reservation);
  put("oom_kill_disable", l.oom_kill_disable);
  if (l.blkio_weight != 0) out["blkio_weight"] = l.blkio_weight;
  add_more_limits_json(l, out);
  return out;
}

cgroup::Limits limits_from_json(const nlohmann::json& j) {
  cgroup::Limits l;
  read_limit(j, "memory", l.memory_bytes);
  read_limit(j, "cpus", l.cpus);
  read_limit(j, "pids", l.pids);
  read_limit(j, "cpuset_cpus", l.cpuset_cpus);
  read_limit(j, "cpuset_mems", l.cpuset_mems);
  read_limit(j, "cpu_shares", l.cpu_shares);
  read_limit(j, "cpu_period", l.cpu_period);
  read_limit(j, "cpu_quota", l.cpu_quota);
  read_limit(j, "memory_swap", l.memory_swap);
  read_limit(j, "memory_reservation", l.memory_reservation);
  read_limit(j, "oom_kill_disable", l.oom_kill_disable);
  if (auto it = j.find("blkio_weight"); it != j.end() && it->is_number_unsigned())
    l.blkio_weight =
        static_cast<std::uint16_t>(std::min<std::uint64_t>(it->get<std::uint64_t>(), 65535));
  read_more_limits_json(j, l);
  return l;
}

ContainerConfig config_from_json(const nlohmann::json& j) {
  ContainerConfig c;
  c.id = j.value("id", "");
  c.name = j.value("name", "");
  c.image = j.value("image", "");
  c.image_id = j.value("image_id", "");
  c.created_ns = j.value("created", std::int64_t{0});
  c.argv = j.value("argv", std::vector<std::string>{});
  c.env = j.value("env", std::vector<std::string>{});
  c.workdir = j.value("workdir", "/");
  c.user = j.value("user", "");
  c.hostname = j.value("hostname", "");
  c.volumes = mounts_from_json(j.value("volumes", nlohmann::json::array()));
  c.tmpfs = j.value("tmpfs", std::vector<std::string>{});
  for (auto& d : j.value("devices", nlohmann::json::array()))
    c.devices.push_back(
        {d.value("host", ""), d.value("container", ""), d.value("permissions", "rwm")});
  c.limits = limits_from_json(j.value("limits", nlohmann::json::object()));
  c.cgroup_parent = j.value("cgroup_parent", "");
  if (j.contains("oom_score_adj") && j["oom_score_adj"].is_number_integer())
    c.oom_score_adj = j["oom_score_adj"].get<std::int64_t>();
  c.log_size = j.value("log_size", std::size_t{1} << 20);
  c.log_driver = j.value("log_driver", "json-file");
  c.log_opts = j.value("log_opts", std::map<std::string, std::string>{});
  c.auto_remove = j.value("auto_remove", false);
  c.interactive = j.value("interactive", false);
  c.stop_signal = j.value("stop_signal", "");
  c.network_mode = j.value("network_mode", "none");
  c.requested_ip = j.value("requested_ip", "");
  c.publish = j.value("publish", std::vector<std::string>{});
  c.publish_all = j.value("publish_all", false);
  c.tty = j.value("tty", false);
  c.labels = j.value("labels", std::map<std::string, std::string>{});
  if (auto policy = api::parse_restart_policy(j.value("restart", "no"))) c.restart = policy.value();
  if (j.contains("stop_timeout") && j["stop_timeout"].is_number_integer())
    c.stop_timeout = j["stop_timeout"].get<std::int64_t>();
  c.network_aliases = j.value("network_aliases", std::vector<std::string>{});
  c.security = security_from_json(j.value("security", nlohmann::json::object()));
  c.namespaces = namespaces_from_json(j.value("namespaces", nlohmann::json::object()));
  c.links = j.value("links", std::vector<std::string>{});
  if (auto it = j.find("net_options"); it != j.end())
    c.net_options = network::net_options_from_json(*it);
  if (auto check = j.find("healthcheck"); check != j.end())
    c.healthcheck = health_config_from_json(*check);
  return c;
}

namespace {

nlohmann::json to_json(const network::Endpoint& e) {
  return {{"network_id", e.network_id},   {"network_name", e.network_name},
          {"address", e.address},         {"prefix", e.prefix},
          {"gateway", e.gateway},         {"ifname", e.ifname},
          {"host_ifname", e.host_ifname}, {"mac", e.mac},
          {"aliases", e.aliases}};
}

network::Endpoint endpoint_from_json(const nlohmann::json& e) {
  return {e.value("network_id", ""),
          e.value("network_name", ""),
          e.value("address", std::uint32_t{0}),
          e.value("prefix", 0),
          e.value("gateway", std::uint32_t{0}),
          e.value("ifname", ""),
          e.value("host_ifname", ""),
          e.value("mac", ""),
          e.value("aliases", std::vector<std::string>{})};
}

nlohmann::json to_json(const network::PublishedPort& p) {
  return {{"host_ip", p.mapping.host_ip},
          {"host_port", p.mapping.host_port},
          {"container_port", p.mapping.container_port},
          {"protocol", std::string(network::to_string(p.mapping.proto))},
          {"network_id", p.network_id},
          {"container_ip", p.container_ip}};
}

network::PublishedPort port_from_json(const nlohmann::json& p) {
  network::PortMapping m;
  m.host_ip = p.value("host_ip", std::uint32_t{0});
  m.host_port = p.value("host_port", std::uint16_t{0});
  m.container_port = p.value("container_port", std::uint16_t{0});
  m.proto = p.value("protocol", "tcp") == "udp" ? network::Protocol::udp : network::Protocol::tcp;
  return {m, p.value("container_ip", std::uint32_t{0}), p.value("network_id", "")};
}

}  // namespace

nlohmann::json to_json(const ContainerState& s, const network::Attachment& a) {
  nlohmann::json endpoints = nlohmann::json::array(), ports = nlohmann::json::array();
  nlohmann::json last_endpoints = nlohmann::json::array();
  for (auto& e : a.endpoints) endpoints.push_back(to_json(e));
  for (auto& e : a.last_endpoints) last_endpoints.push_back(to_json(e));
  for (auto& p : a.ports) ports.push_back(to_json(p));
  return {{"endpoints", endpoints},
          {"ports", ports},
          {"status", to_string(s.status)},
          {"pid", s.pid},
          {"pid_start_time", s.pid_start_time},
          {"started", s.started_ns},
          {"finished", s.finished_ns},
          {"exit_code", s.exit_code},
          {"oom_killed", s.oom_killed},
          {"error", s.error},
          {"log_dropped_bytes", s.log_dropped_bytes},
          {"restart_count", s.restart_count},
          {"manually_stopped", s.manually_stopped},
          {"starting", s.starting},
          {"health", s.health ? health_to_json(*s.health) : nlohmann::json()},
          {"last_endpoints", last_endpoints}};
}

ContainerState state_from_json(const nlohmann::json& j, network::Attachment& a) {
  ContainerState s;
  std::string status = j.value("status", "created");
  s.status = status == "running"      ? RunState::Running
             : status == "paused"     ? RunState::Paused
             : status == "restarting" ? RunState::Restarting
             : status == "exited"     ? RunState::Exited
                                      : RunState::Created;
  s.pid = j.value("pid", 0);
  s.pid_start_time = j.value("pid_start_time", 0ULL);
  s.started_ns = j.value("started", std::int64_t{0});
  s.finished_ns = j.value("finished", std::int64_t{0});
  s.exit_code = j.value("exit_code", 0);
  s.oom_killed = j.value("oom_killed", false);
  s.error = j.value("error", "");
  s.log_dropped_bytes = j.value("log_dropped_bytes", std::uint64_t{0});
  s.restart_count = j.value("restart_count", 0);
  s.manually_stopped = j.value("manually_stopped", false);
  s.starting = j.value("starting", false);
  if (auto health = j.find("health"); health != j.end() && health->is_object())
    s.health = health_from_json(*health);
  for (auto& e : j.value("last_endpoints", nlohmann::json::array()))
    a.last_endpoints.push_back(endpoint_from_json(e));
  for (auto& e : j.value("endpoints", nlohmann::json::array()))
    a.endpoints.push_back(endpoint_from_json(e));
  for (auto& p : j.value("ports", nlohmann::json::array())) a.ports.push_back(port_from_json(p));
  return s;
}

network::Attachment attachment_for(const ContainerConfig& config, const std::string& run_dir) {
  network::Attachment a;
  a.container_id = config.id;
  a.name = config.name;
  a.hostname = config.hostname;
  a.mode = config.network_mode;
  a.requested_ip = config.requested_ip;
  a.aliases = config.network_aliases;
  a.publish = config.publish;
  a.hosts_file = fs::join(run_dir, "hosts");
  a.requested_mac = config.net_options.mac_address;
  return a;
}

}  // namespace asup::engine
