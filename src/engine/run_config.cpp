#include "engine/run_config.hpp"

#include "engine/signals.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/health_config.hpp"
#include "engine/host_features.hpp"
#include "engine/naming.hpp"
#include "engine/resource_config.hpp"
#include "engine/run_network.hpp"
#include "engine/storage_config.hpp"

namespace asup::engine {

// Docker's range (daemon/daemon_unix.go): 0.01 up to the CPUs this host has.
Status check_cpus(double cpus) {
  const long online = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  if (!std::isfinite(cpus) || cpus < 0.01 || cpus > static_cast<double>(online)) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available",
                  online, online);
    return fail(EINVAL, text);
  }
  return ok();
}

Status check_oom_score_adj(std::int64_t value) {
  if (value < -1000 || value > 1000) {
    return fail(EINVAL, "Invalid value " + std::to_string(value) +
                            ", range for oom score adj is [-1000, 1000]");
  }
  return ok();
}

std::uint16_t blkio_weight_of(std::int64_t weight) {
  return static_cast<std::uint16_t>(weight < 0 || weight > 65535 ? 65535 : weight);
}

cgroup::Limits run_limits(const RunRequest& r) {
  cgroup::Limits l;
  l.memory_bytes = r.memory;
  l.cpus = r.cpus;
  l.pids = r.pids_limit;
  if (!r.cpuset_cpus.empty()) l.cpuset_cpus = r.cpuset_cpus;
  if (!r.cpuset_mems.empty()) l.cpuset_mems = r.cpuset_mems;
  l.cpu_shares = r.cpu_shares;
  l.cpu_period = r.cpu_period;
  l.cpu_quota = r.cpu_quota;
  l.memory_swap = r.memory_swap;
  l.memory_reservation = r.memory_reservation;
  // Unset rather than false: a group nobody asked about keeps the kernel's default.
  if (r.oom_kill_disable) l.oom_kill_disable = true;
  if (r.blkio_weight) l.blkio_weight = blkio_weight_of(*r.blkio_weight);
  add_more_run_limits(r, l);
  return l;
}

namespace {

std::string env_key(const std::string& entry) {
  return entry.substr(0, entry.find('='));
}

}  // namespace

Result<RunRequest> check_run_request(RunRequest r) {
  if (r.image.empty()) return fail(EINVAL, "invalid request: no image given");
  if (r.network.empty() || r.network == "default") r.network = "bridge";
  if (r.memory && *r.memory < 6 * 1024 * 1024)
    return fail(EINVAL, "Minimum memory limit allowed is 6MB");
  if (r.cpus) {
    ASUP_TRY(check_cpus(*r.cpus));
  }
  if (r.log_size < kMinLogSize) return fail(EINVAL, "--log-size must be at least 4k");
  if (r.log_size > kMaxLogSize) return fail(EINVAL, "--log-size must be at most 256m");
  if (!r.log_driver.empty() && r.log_driver != "json-file" && r.log_driver != "local" &&
      r.log_driver != "none")
    return fail(EINVAL, "logger: no log driver named '" + r.log_driver + "' is registered");
  for (auto& e : r.env) {
    if (e.empty() || e[0] == '=')
      return fail(EINVAL, "invalid environment variable: \"" + e + "\"");
  }
  if (!r.name.empty()) {
    ASUP_TRY(r.name, parse_container_name(r.name));
  }
  if (r.hostname) {
    ASUP_TRY(check_hostname(*r.hostname));
  }
  for (auto& alias : r.network_aliases) {
    ASUP_TRY(check_name("network alias", alias));
  }
  ASUP_TRY(auto policy, api::parse_restart_policy(r.restart));
  if (r.rm && !policy.none()) return fail(EINVAL, "Conflicting options: --restart and --rm");
  if (!r.stop_signal.empty()) {
    ASUP_TRY(parse_signal(r.stop_signal));
  }
  if (r.oom_score_adj) {
    ASUP_TRY(check_oom_score_adj(*r.oom_score_adj));
  }
  return r;
}

std::vector<std::string> merge_env(const std::vector<std::string>& base,
                                   const std::vector<std::string>& overrides) {
  std::vector<std::string> out = base;
  for (auto& entry : overrides) {
    auto key = env_key(entry);
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const std::string& e) { return env_key(e) == key; });
    if (it != out.end())
      *it = entry;
    else
      out.push_back(entry);
  }
  return out;
}

namespace {

// Entrypoint and Cmd as Docker merges them.
Status merge_command(const RunRequest& r, const image::ImageConfig& image, ContainerConfig& c) {
  std::vector<std::string> entrypoint = image.entrypoint;
  std::vector<std::string> cmd = image.cmd;
  if (r.entrypoint) {
    entrypoint.clear();
    if (!r.entrypoint->empty()) entrypoint.push_back(*r.entrypoint);
    cmd.clear();  // Docker drops the image's Cmd when --entrypoint is given
  }
  if (!r.cmd.empty()) cmd = r.cmd;
  c.argv = entrypoint;
  c.argv.insert(c.argv.end(), cmd.begin(), cmd.end());
  if (c.argv.empty()) return fail(EINVAL, "no command specified");
  return ok();
}

Status merge_network(const RunRequest& r, const image::ImageConfig& image, ContainerConfig& c) {
  c.network_mode = r.network;
  c.requested_ip = r.ip;
  c.publish = r.publish;
  c.publish_all = r.publish_all;
  // -P publishes every port the image exposes on a port the kernel picks.
  if (r.publish_all)
    for (auto& port : image.exposed_ports) c.publish.push_back(port);
  c.network_aliases = r.network_aliases;
  const bool builtin = r.network == "bridge" || r.network == "none" || r.network == "host";
  if (!r.ip.empty() && builtin)
    return fail(EINVAL, "user specified IP address is supported on user defined networks only");
  if (r.network == "none" && !c.publish.empty())
    return fail(EINVAL, "conflicting options: port publishing and the container type network mode");
  // Docker discards published ports with the host's network: the ports are the host's.
  if (r.network == "host") c.publish.clear();
  if (!r.network_aliases.empty() && builtin)
    return fail(EINVAL,
                "network-scoped alias is supported only for containers in user defined networks");
  c.hostname = r.hostname.value_or(c.id.substr(0, 12));
  if (!r.hostname && (r.network == "host" || r.uts == "host")) {
    // Docker: a container on the host's network carries the host's name too.
    char host[65] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && host[0]) c.hostname = host;
  }
  if (c.hostname.empty() || c.hostname.size() > 64)
    return fail(EINVAL, "invalid hostname \"" + c.hostname + "\"");
  return ok();
}

// The environment (after the host name, which it carries), working dir and user.
Status merge_process(const RunRequest& r, const image::ImageConfig& image, ContainerConfig& c) {
  std::vector<std::string> env = image.env;
  bool has_path = std::any_of(env.begin(), env.end(),
                              [](const std::string& e) { return env_key(e) == "PATH"; });
  if (!has_path)
    env.insert(env.begin(), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  env = merge_env(env, {"HOSTNAME=" + c.hostname});
  // With a terminal, Docker sets TERM=xterm unless the image or the user sets it.
  if (r.tty && std::none_of(env.begin(), env.end(),
                            [](const std::string& e) { return env_key(e) == "TERM"; }))
    env.push_back("TERM=xterm");
  c.env = merge_env(env, r.env);
  c.workdir = r.workdir.value_or(image.working_dir.empty() ? "/" : image.working_dir);
  if (c.workdir.empty()) c.workdir = "/";
  if (c.workdir[0] != '/')
    return fail(EINVAL, "the working directory '" + c.workdir +
                            "' is invalid, it needs to be an absolute path");
  c.user = r.user.value_or(image.user);
  return ok();
}

Status merge_mounts(const RunRequest& r, ContainerConfig& c) {
  for (auto& t : r.tmpfs) {
    ASUP_TRY(launch::parse_tmpfs(t));
  }
  c.tmpfs = r.tmpfs;
  for (auto& d : r.devices) {
    ASUP_TRY(auto device, launch::parse_device(d));
    c.devices.push_back(std::move(device));
  }
  return ok();
}

// Limits, the log, the lifecycle's settings and the labels (the image's, then -l).
Status merge_settings(const RunRequest& r, const image::ImageConfig& image, ContainerConfig& c) {
  c.limits = run_limits(r);
  c.cgroup_parent = r.cgroup_parent;
  c.oom_score_adj = r.oom_score_adj;
  c.log_size = r.log_size;
  c.log_driver = r.log_driver.empty() ? "json-file" : r.log_driver;
  for (auto& opt : r.log_opts) {
    auto eq = opt.find('=');
    if (eq != std::string::npos) c.log_opts[opt.substr(0, eq)] = opt.substr(eq + 1);
  }
  c.auto_remove = r.rm;
  c.tty = r.tty;
  c.interactive = r.interactive;
  c.stop_signal = r.stop_signal.empty() ? image.stop_signal : r.stop_signal;
  c.stop_timeout = r.stop_timeout;
  c.labels = image.labels;
  for (auto& label : r.labels) {
    auto eq = label.find('=');
    if (eq == 0) return fail(EINVAL, "invalid label '" + label + "': empty name");
    c.labels[label.substr(0, eq)] = eq == std::string::npos ? "" : label.substr(eq + 1);
  }
  ASUP_TRY(c.restart, api::parse_restart_policy(r.restart));
  return ok();
}

}  // namespace

Status merge_run_config(const RunRequest& r, const image::ImageConfig& image, ContainerConfig& c) {
  ASUP_TRY(merge_command(r, image, c));
  ASUP_TRY(merge_network(r, image, c));
  ASUP_TRY(merge_network_options(r, image, c));
  ASUP_TRY(merge_process(r, image, c));
  ASUP_TRY(merge_mounts(r, c));
  ASUP_TRY(c.security, make_security_config(r, c.network_mode));
  ASUP_TRY(c.namespaces, make_namespace_config(r));
  ASUP_TRY(check_host_features(r));
  ASUP_TRY(c.healthcheck, merge_healthcheck(r, image.healthcheck));
  ASUP_TRY(merge_storage(r, image, c));
  return merge_settings(r, image, c);
}

}  // namespace asup::engine
