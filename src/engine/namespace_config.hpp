// Docker's namespace modes of run and create (--pid, --ipc, --uts, --cgroupns), with
// --domainname, --annotation and --runtime: checked once at create into a typed
// NamespaceConfig the container keeps in its config.json, turned into clone3 flags and
// namespaces to join at every start, shown by inspect.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "api/requests.hpp"
#include "asup/result.hpp"

namespace asup::engine {

// How /dev/shm comes to the container (Docker's IpcMode).
enum class ShmSource {
  own,       // private: a tmpfs of its own, mounted by asup-init
  shared,    // shareable: a tmpfs asupd mounts in the run directory, bind-mounted in
  none,      // none: no /dev/shm at all
  host,      // host: the host's /dev/shm
  container  // container:X: X's shareable tmpfs
};

struct NamespaceConfig {
  std::string pid_mode;                   // "", "host" or "container:ID"
  std::string ipc_mode = "private";       // private | shareable | none | host | container:ID
  std::string uts_mode;                   // "" or "host"
  std::string cgroupns_mode = "private";  // private | host
  std::string domainname;
  std::map<std::string, std::string> annotations;
  std::string runtime = "runc";  // the only one: asup's own launch path, runc's name

  ShmSource shm_source() const;
  // The container the pid or ipc namespace is shared with; "" for none.
  std::string pid_container() const;
  std::string ipc_container() const;
};

// Parses and checks the namespace fields of `request`, with Docker's rules and texts
// ("--pid: invalid PID mode", "conflicting options: hostname and the UTS mode", ...).
// A container named by container:X is looked up later (resolve_namespace_containers).
Result<NamespaceConfig> make_namespace_config(const api::RunRequest& request);

// The clone3 flags a container with `ns` and `network_mode` creates for itself.
std::uint64_t own_namespaces(const NamespaceConfig& ns, const std::string& network_mode);

// inspect's HostConfig PidMode, IpcMode, UTSMode, CgroupnsMode, Annotations, Runtime.
void add_namespace_view(const NamespaceConfig& ns, nlohmann::json& host_config);

// config.json's "namespaces".
nlohmann::json to_json(const NamespaceConfig& ns);
NamespaceConfig namespaces_from_json(const nlohmann::json& j);

}  // namespace asup::engine
