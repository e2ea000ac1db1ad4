// What asupd knows about one container: the configuration fixed at creation (config.json)
// and the lifecycle state that changes (state.json), both under ROOT/containers/ID/.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/restart_policy.hpp"
#include "cgroup/cgroup.hpp"
#include "engine/container_mount.hpp"
#include "engine/health_state.hpp"
#include "engine/namespace_config.hpp"
#include "engine/security_config.hpp"
#include "launch/mount_plan.hpp"
#include "network/attachment.hpp"
#include "network/net_options.hpp"

namespace asup::engine {

struct ContainerConfig {
  std::string id;
  std::string name;
  std::string image;     // as the user typed it ("busybox")
  std::string image_id;  // "sha256:..."
  std::int64_t created_ns = 0;
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string workdir = "/";
  std::string user;
  std::string hostname;
  std::vector<ContainerMount> volumes;  // -v, --mount, the image's, --volumes-from
  std::vector<std::string> tmpfs;
  std::vector<launch::DeviceMapping> devices;  // --device, as parsed
  cgroup::Limits limits;
  std::string cgroup_parent;                  // --cgroup-parent as typed; "": asupd's
  std::optional<std::int64_t> oom_score_adj;  // --oom-score-adj, the workload's
  std::size_t log_size = 1 << 20;
  // --log-driver: "json-file" and "local" are the ring; "none" keeps no log to read.
  std::string log_driver = "json-file";
  std::map<std::string, std::string> log_opts;  // --log-opt, shown in LogConfig.Config
  bool auto_remove = false;
  bool interactive = false;
  std::string stop_signal;                   // --stop-signal, else the image's; empty means SIGTERM
  std::optional<std::int64_t> stop_timeout;  // --stop-timeout; unset: 10 s
  api::RestartPolicy restart;
  std::string network_mode = "none";  // bridge | none | host | a user network's name
  std::string requested_ip;           // --ip
  std::vector<std::string> publish;   // -p as typed, plus the image's ports with -P
  bool publish_all = false;
  bool tty = false;  // -t
  std::vector<std::string> network_aliases;
  std::map<std::string, std::string> labels;  // the image's, then -l
  SecurityConfig security;          // --cap-add ... --userns, checked (security_config.hpp)
  NamespaceConfig namespaces;       // --pid, --ipc, --uts, --cgroupns, --domainname ...
  std::vector<std::string> links;   // --link, resolved: "ID:ALIAS"
  network::NetOptions net_options;  // --add-host, --dns*, --mac-address, exposed ports
  // The image's health check merged with --health-* (health_config.hpp).
  std::optional<image::HealthConfig> healthcheck;
};

// Docker's states. Paused and Restarting count as running for `ps` and Docker's
// State.Running; Restarting is the wait between an exit and the restart its policy asks for.
enum class RunState { Created, Running, Paused, Restarting, Exited };
const char* to_string(RunState status);

struct ContainerState {
  RunState status = RunState::Created;
  pid_t pid = 0;                          // asup-init, in asupd's pid namespace
  unsigned long long pid_start_time = 0;  // /proc/PID/stat field 22, tells reused pids apart
  std::int64_t started_ns = 0;
  std::int64_t finished_ns = 0;
  int exit_code = 0;
  bool oom_killed = false;
  std::string error;  // why the start failed, or why the command could not run
  std::uint64_t log_dropped_bytes = 0;
  int restart_count = 0;  // restarts by the policy since the last start by a user
  // stop or kill by a user: unless-stopped stays down even across an asupd restart
  bool manually_stopped = false;
  // A start of a container that has a state was under way: should asupd die before the
  // barrier, the next one finds it here (a run's first start writes no state until then).
  bool starting = false;
  // State.Health: set once a run with a health check started (health_state.hpp).
  std::optional<Health> health;
};

nlohmann::json to_json(const ContainerConfig& config);
ContainerConfig config_from_json(const nlohmann::json& j);
// config.json's "limits": what is set, by name; the device policy is not there (the
// container's --device list and the defaults make it at each start).
nlohmann::json limits_to_json(const cgroup::Limits& limits);
cgroup::Limits limits_from_json(const nlohmann::json& j);
// state.json: the lifecycle state and, as "endpoints" and "ports", the network's.
nlohmann::json to_json(const ContainerState& state, const network::Attachment& attachment);
ContainerState state_from_json(const nlohmann::json& j, network::Attachment& attachment);
// The network stage's view of a new or loaded container; its hosts file is in `run_dir`.
network::Attachment attachment_for(const ContainerConfig& config, const std::string& run_dir);

std::int64_t now_ns();

}  // namespace asup::engine
