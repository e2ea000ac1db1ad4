// What asupd knows about one container: the configuration fixed at creation (config.json)
// and the lifecycle state that changes (state.json), both under ROOT/containers/ID/.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/cgroup.hpp"
#include "launch/mount_plan.hpp"

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
  std::vector<launch::VolumeMount> volumes;
  std::vector<std::string> tmpfs;
  std::vector<launch::DeviceMapping> devices;  // --device, as parsed
  cgroup::Limits limits;
  std::size_t log_size = 1 << 20;
  bool auto_remove = false;
  bool interactive = false;
  std::string stop_signal;            // from the image; empty means SIGTERM
  std::string network_mode = "none";  // bridge | none | host | a user network's name
  std::string requested_ip;           // --ip
  std::vector<std::string> publish;   // -p as typed, plus the image's ports with -P
  bool publish_all = false;
  std::vector<std::string> network_aliases;
};

// The container's attachment to one network while it runs.
struct Endpoint {
  std::string network_id;
  std::string network_name;
  std::uint32_t address = 0;  // host byte order
  int prefix = 0;
  std::uint32_t gateway = 0;
  std::string ifname;       // inside: eth0, eth1, ...
  std::string host_ifname;  // the host end of the veth pair
  std::string mac;
  std::vector<std::string> aliases;
};

// A published port with its host port resolved (-p 80 gets one from the kernel).
struct PublishedPort {
  std::uint32_t host_ip = 0;  // 0: every address
  std::uint16_t host_port = 0;
  std::uint16_t container_port = 0;
  std::string protocol = "tcp";
  std::string network_id;  // whose table holds the mapping
  std::uint32_t container_ip = 0;
};

enum class RunState { Created, Running, Exited };
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
  std::vector<Endpoint> endpoints;  // empty unless running on a network with addresses
  std::vector<PublishedPort> ports;
};

nlohmann::json to_json(const ContainerConfig& config);
ContainerConfig config_from_json(const nlohmann::json& j);
nlohmann::json to_json(const ContainerState& state);
ContainerState state_from_json(const nlohmann::json& j);

std::int64_t now_ns();

}  // namespace asup::engine
