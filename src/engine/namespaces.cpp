// Namespace modes at create and start: --pid and --ipc container:X (X resolved once, its
// namespaces joined at each start), /dev/shm as the IpcMode says, and --link.
#include <sched.h>
#include <sys/mount.h>

#include <algorithm>
#include <cctype>

#include "core/fs.hpp"
#include "engine/engine.hpp"
#include "network/ipam.hpp"

namespace asup::engine {
namespace {

constexpr const char* kShmDir = "shm";

// Docker's variable prefix for a link alias: upper case, '-' as '_'.
std::string env_prefix(const std::string& alias) {
  std::string out;
  for (char ch : alias)
    out += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::string env_key(const std::string& entry) {
  return entry.substr(0, entry.find('='));
}

}  // namespace

Status Engine::join_namespace_containers(ContainerConfig& config) {
  auto resolve = [&](std::string& mode, const std::string& target) -> Status {
    if (target.empty()) return ok();
    ASUP_TRY(auto* other, find(target));
    if (other->config.id == config.id) return fail("cannot join own namespace");
    mode = "container:" + other->config.id;
    return ok();
  };
  ASUP_TRY(resolve(config.namespaces.pid_mode, config.namespaces.pid_container()));
  return resolve(config.namespaces.ipc_mode, config.namespaces.ipc_container());
}

Status Engine::resolve_links(ContainerConfig& config) {
  std::vector<std::string> resolved;
  for (const auto& link : config.links) {
    const auto colon = link.find(':');
    const std::string name = link.substr(0, colon);
    const std::string alias = colon == std::string::npos ? name : link.substr(colon + 1);
    if (name.empty() || alias.empty()) return fail("invalid link format: " + link);
    auto found = find(name);
    if (!found) return fail("could not get container for " + name + ": " + found.error().message);
    resolved.push_back(found.value()->config.id + ":" + alias);
  }
  config.links = std::move(resolved);
  return ok();
}

// The running container whose namespace `c` shares, or Docker's error.
static Result<Instance*> running_owner(
    const std::map<std::string, std::unique_ptr<Instance>>& containers, const std::string& id,
    const char* what) {
  auto it = containers.find(id);
  if (it == containers.end() || it->second->removing)
    return fail(std::string{"no such container to join "} + what + ": " + id);
  Instance& other = *it->second;
  if (!other.running() || !other.watch) return fail("container " + id + " is not running");
  return &other;
}

Status Engine::shm_layout(const Instance& c, launch::RootfsLayout& layout) {
  switch (c.config.namespaces.shm_source()) {
    case ShmSource::own:
      return ok();
    case ShmSource::none:
      layout.shm = launch::ShmMount::none;
      return ok();
    case ShmSource::host:
      layout.shm = launch::ShmMount::bind;
      layout.shm_source = "/dev/shm";
      return ok();
    case ShmSource::shared:
      layout.shm = launch::ShmMount::bind;
      layout.shm_source = fs::join(c.run_dir, kShmDir);
      return ok();
    case ShmSource::container:
      break;
  }
  const std::string id = c.config.namespaces.ipc_container();
  ASUP_TRY(auto* other, running_owner(containers_, id, "IPC"));
  if (other->config.namespaces.shm_source() != ShmSource::shared)
    return fail("container " + id +
                ": non-shareable IPC (hint: use IpcMode:shareable for the donor container)");
  layout.shm = launch::ShmMount::bind;
  layout.shm_source = fs::join(other->run_dir, kShmDir);
  return ok();
}

Status Engine::namespaces_for(const Instance& c, launch::SpawnRequest& spawn) {
  const auto& ns = c.config.namespaces;
  spawn.namespaces = own_namespaces(ns, c.config.network_mode);
  if (!ns.pid_container().empty()) {
    ASUP_TRY(auto* other, running_owner(containers_, ns.pid_container(), "PID"));
    spawn.pidns_fd = other->watch->fd();
  }
  if (!ns.ipc_container().empty()) {
    ASUP_TRY(auto* other, running_owner(containers_, ns.ipc_container(), "IPC"));
    spawn.ipcns_fd = other->watch->fd();
  }
  return ok();
}

Status Engine::mount_shared_shm(const Instance& c) {
  if (c.config.namespaces.shm_source() != ShmSource::shared) return ok();
  const std::string dir = fs::join(c.run_dir, kShmDir);
  ASUP_TRY(fs::make_dirs(dir, 0700));
  const std::string data = "mode=1777,size=" + launch::size_option(c.config.security.shm_size);
  if (::mount("shm", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data.c_str()) != 0)
    return fail_errno("mount shareable /dev/shm on " + dir);
  return ok();
}

void Engine::release_shared_shm(const Instance& c) {
  if (c.config.namespaces.shm_source() != ShmSource::shared) return;
  // Detached: a container that joined it keeps its own reference until it ends.
  (void)::umount2(fs::join(c.run_dir, kShmDir).c_str(), MNT_DETACH);
}

Result<std::string> Engine::link_hosts(const Instance& c) {
  std::string out;
  for (const auto& link : c.config.links) {
    const auto colon = link.find(':');
    const std::string id = link.substr(0, colon), alias = link.substr(colon + 1);
    auto it = containers_.find(id);
    if (it == containers_.end() || it->second->removing)
      return fail("could not get container for " + id + ": No such container: " + id);
    const Instance& other = *it->second;
    if (!other.running())
      return fail("Cannot link to a non running container: /" + other.config.name + " AS /" +
                  c.config.name + "/" + alias);
    if (other.attachment.endpoints.empty()) continue;
    // Docker's line: the alias, the short id, the name.
    out += network::format_ipv4(other.attachment.endpoints.front().address) + "\t" + alias + " " +
           other.config.id.substr(0, 12);
    if (alias != other.config.name) out += " " + other.config.name;
    out += "\n";
  }
  return out;
}

// Docker's legacy link variables (moby's daemon/links): NAME, the exposed ports, and the
// linked container's own environment, under the alias's prefix.
std::vector<std::string> Engine::link_env(const Instance& c) const {
  std::vector<std::string> env;
  if (c.config.network_mode != "bridge") return env;
  for (const auto& link : c.config.links) {
    const auto colon = link.find(':');
    auto it = containers_.find(link.substr(0, colon));
    if (it == containers_.end() || it->second->attachment.endpoints.empty()) continue;
    const Instance& other = *it->second;
    const std::string alias = link.substr(colon + 1), prefix = env_prefix(alias);
    const std::string ip = network::format_ipv4(other.attachment.endpoints.front().address);
    env.push_back(prefix + "_NAME=/" + c.config.name + "/" + alias);
    auto ports = other.config.net_options.exposed_ports;  // "80/tcp"
    std::sort(ports.begin(), ports.end());
    for (std::size_t i = 0; i < ports.size(); ++i) {
      const auto slash = ports[i].find('/');
      const std::string port = ports[i].substr(0, slash);
      const std::string proto = slash == std::string::npos ? "tcp" : ports[i].substr(slash + 1);
      std::string upper = proto;
      for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      const std::string key = prefix + "_PORT_" + port + "_" + upper;
      const std::string url = proto + "://" + ip + ":" + port;
      if (i == 0) env.push_back(prefix + "_PORT=" + url);
      env.push_back(key + "=" + url);
      env.push_back(key + "_ADDR=" + ip);
      env.push_back(key + "_PORT=" + port);
      env.push_back(key + "_PROTO=" + proto);
    }
    for (const auto& e : other.config.env) {
      const std::string key = env_key(e);
      if (key == "HOME" || key == "PATH" || key == "HOSTNAME") continue;
      env.push_back(prefix + "_ENV_" + e);
    }
  }
  return env;
}

}  // namespace asup::engine
