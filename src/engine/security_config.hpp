// Docker's security flags of run and create (--cap-add, --cap-drop, --privileged,
// --security-opt, --read-only, --group-add, --sysctl, --ulimit, --shm-size, --userns):
// checked once at create into a typed SecurityConfig that the container keeps in its
// config.json, applied to the launch spec of every start and every exec, shown by inspect.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/requests.hpp"
#include "api/security_options.hpp"
#include "asup/result.hpp"
#include "cgroup/device_rule.hpp"
#include "launch/capabilities.hpp"
#include "launch/launch_spec.hpp"

namespace asup::engine {

inline constexpr std::int64_t kDefaultShmSize = std::int64_t{64} << 20;

struct SecurityConfig {
  std::vector<std::string> cap_add, cap_drop;  // as given: inspect's CapAdd, CapDrop
  bool privileged = false;
  std::vector<std::string> security_opt;  // as given: inspect's SecurityOpt
  std::optional<bool> no_new_privileges;  // unset: asupd's default (--no-new-privileges)
  bool seccomp_unconfined = false;
  std::string seccomp_profile;  // a JSON profile; empty: Docker's default profile
  bool read_only = false;
  std::vector<std::string> group_add;
  std::map<std::string, std::string> sysctls;
  std::vector<api::Ulimit> ulimits;  // one per name, the last given
  std::int64_t shm_size = kDefaultShmSize;
  std::string userns_mode;  // "" or "host"
  // What cap_add, cap_drop and privileged come to on this kernel, resolved at create.
  launch::CapabilitySet capabilities = launch::kDockerDefaultCapabilities;
};

// Parses and checks the security fields of `request` for a container on `network_mode`,
// with Docker's rules and texts ("unknown capability: \"CAP_FOO\"", "invalid
// --security-opt 2: \"x=y\"", "sysctl 'vm.swappiness=1' is not allowed", ...). A seccomp
// profile is parsed and compiled here, so a bad one fails the create, not each start.
Result<SecurityConfig> make_security_config(const api::RunRequest& request,
                                            const std::string& network_mode);

// What the request asks that this host cannot do and asupd therefore ignores, as
// warnings: AppArmor profiles and SELinux labels.
std::vector<std::string> security_warnings(const api::RunRequest& request);

// The spec's capabilities, no_new_privs (the container's choice, else
// `default_no_new_privs`), seccomp (none when privileged or unconfined; a profile's program
// compiled here; else left empty for the spawner's cached default for these capabilities),
// supplementary groups and rlimits; in container mode also the sysctls and read-only root.
// An exec gets the same, as Docker's does.
Status apply_security(const SecurityConfig& security, bool default_no_new_privs,
                      launch::LaunchSpec& spec);

// A privileged container's device policy: every device, every access.
std::vector<cgroup::DeviceRule> privileged_device_rules();

// inspect's HostConfig fields: CapAdd, CapDrop, Privileged, SecurityOpt, ReadonlyRootfs,
// GroupAdd, Sysctls, Ulimits, ShmSize, UsernsMode.
void add_security_view(const SecurityConfig& security, nlohmann::json& host_config);

// config.json's "security".
nlohmann::json to_json(const SecurityConfig& security);
SecurityConfig security_from_json(const nlohmann::json& j);

}  // namespace asup::engine
