// Turns a `run` request plus the image's config into a container's config, with Docker's
// rules: --entrypoint replaces the image's Entrypoint and drops its Cmd, CMD arguments
// replace Cmd, -e overrides the image's Env by key, -w and -u override WorkingDir and User.
// Pure functions: unit-tested without a daemon.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "asup/result.hpp"
#include "image/store.hpp"
#include "supervisor/container.hpp"

namespace asup::supervisor {

// --log-size: the ring lives in asupd's memory and twice over on disk.
inline constexpr std::size_t kMinLogSize = 4 << 10;
inline constexpr std::size_t kMaxLogSize = 256 << 20;

struct RunRequest {
  std::string image;
  std::vector<std::string> cmd;
  std::optional<std::string> entrypoint;  // set: replaces the image's ("" clears it)
  std::vector<std::string> env;           // KEY=VALUE, resolved by the client
  std::optional<std::string> workdir;
  std::optional<std::string> user;
  std::optional<std::string> hostname;
  std::string name;
  std::vector<std::string> volumes;  // "HOST:CTR[:ro]"
  std::vector<std::string> tmpfs;
  std::vector<std::string> devices;  // --device, as typed
  cgroup::Limits limits;
  std::size_t log_size = 1 << 20;
  bool detach = false;
  bool auto_remove = false;
  bool interactive = false;
  std::string network = "bridge";    // bridge | none | host | a user network's name or id
  std::string ip;                    // --ip
  std::vector<std::string> publish;  // -p, as typed
  bool publish_all = false;          // -P
  std::vector<std::string> network_aliases;
};

Result<RunRequest> parse_run_request(const nlohmann::json& request);

// Fills argv, env, workdir, user, hostname, volumes, tmpfs, devices, limits of `config` (whose id
// and name are already set).
Status merge_run_config(const RunRequest& request, const image::ImageConfig& image,
                        ContainerConfig& config);

// Env lists merged by key: entries of `overrides` replace same-key entries of `base`.
std::vector<std::string> merge_env(const std::vector<std::string>& base,
                                   const std::vector<std::string>& overrides);

}  // namespace asup::supervisor
