#include "engine/namespace_config.hpp"

#include <sched.h>

namespace asup::engine {
namespace {

constexpr std::string_view kContainerPrefix = "container:";

// "container:X" with X non-empty; Docker's Valid() for pid and ipc modes.
std::string container_of(const std::string& mode) {
  if (mode.rfind(kContainerPrefix, 0) != 0) return "";
  return mode.substr(kContainerPrefix.size());
}

bool valid_pid_mode(const std::string& mode) {
  return mode.empty() || mode == "host" || !container_of(mode).empty();
}

bool valid_ipc_mode(const std::string& mode) {
  for (auto m : {"", "none", "private", "shareable", "host"})
    if (mode == m) return true;
  return !container_of(mode).empty();
}

}  // namespace

ShmSource NamespaceConfig::shm_source() const {
  if (ipc_mode == "shareable") return ShmSource::shared;
  if (ipc_mode == "none") return ShmSource::none;
  if (ipc_mode == "host") return ShmSource::host;
  if (!ipc_container().empty()) return ShmSource::container;
  return ShmSource::own;
}

std::string NamespaceConfig::pid_container() const {
  return container_of(pid_mode);
}

std::string NamespaceConfig::ipc_container() const {
  return container_of(ipc_mode);
}

Result<NamespaceConfig> make_namespace_config(const api::RunRequest& r) {
  NamespaceConfig ns;
  // The texts of the docker CLI's checks, which the daemon repeats for API clients.
  if (!valid_pid_mode(r.pid)) return fail("--pid: invalid PID mode");
  if (!valid_ipc_mode(r.ipc)) return fail("--ipc: invalid IPC mode");
  if (!r.uts.empty() && r.uts != "host") return fail("--uts: invalid UTS mode");
  if (!r.cgroupns.empty() && r.cgroupns != "host" && r.cgroupns != "private")
    return fail("--cgroupns: invalid CGROUP mode");
  if (r.uts == "host" && r.hostname && !r.hostname->empty())
    return fail("conflicting options: hostname and the UTS mode");
  // runc's refusal, at create rather than at each start: the host's domain name is not
  // the container's to set.
  if (r.uts == "host" && !r.domainname.empty())
    return fail("unable to set domainname without a private UTS namespace");
  if (!r.runtime.empty() && r.runtime != "runc" && r.runtime != "asup")
    return fail("unknown or invalid runtime name: " + r.runtime);
  ns.pid_mode = r.pid;
  ns.ipc_mode = r.ipc.empty() ? "private" : r.ipc;
  ns.uts_mode = r.uts;
  ns.cgroupns_mode = r.cgroupns.empty() ? "private" : r.cgroupns;
  ns.domainname = r.domainname;
  if (!r.runtime.empty()) ns.runtime = r.runtime;
  for (auto& a : r.annotations) {
    auto eq = a.find('=');
    if (eq == 0) return fail("invalid annotation '" + a + "': empty name");
    ns.annotations[a.substr(0, eq)] = eq == std::string::npos ? "" : a.substr(eq + 1);
  }
  return ns;
}

std::uint64_t own_namespaces(const NamespaceConfig& ns, const std::string& network_mode) {
  std::uint64_t flags =
      CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;
  auto drop = [&](int flag) { flags &= ~static_cast<std::uint64_t>(flag); };
  if (!ns.pid_mode.empty()) drop(CLONE_NEWPID);  // host, or joined (spawner.hpp)
  if (ns.ipc_mode == "host" || !ns.ipc_container().empty()) drop(CLONE_NEWIPC);
  if (ns.uts_mode == "host") drop(CLONE_NEWUTS);
  if (ns.cgroupns_mode == "host") drop(CLONE_NEWCGROUP);
  if (network_mode == "host" || network_mode.rfind(kContainerPrefix, 0) == 0) drop(CLONE_NEWNET);
  return flags;
}

void add_namespace_view(const NamespaceConfig& ns, nlohmann::json& host) {
  host["PidMode"] = ns.pid_mode;
  host["IpcMode"] = ns.ipc_mode;
  host["UTSMode"] = ns.uts_mode;
  host["CgroupnsMode"] = ns.cgroupns_mode;
  host["Runtime"] = ns.runtime;
  host["Annotations"] = ns.annotations.empty() ? nlohmann::json() : nlohmann::json(ns.annotations);
}

nlohmann::json to_json(const NamespaceConfig& ns) {
  return {{"pid", ns.pid_mode},          {"ipc", ns.ipc_mode},
          {"uts", ns.uts_mode},          {"cgroupns", ns.cgroupns_mode},
          {"domainname", ns.domainname}, {"annotations", ns.annotations},
          {"runtime", ns.runtime}};
}

NamespaceConfig namespaces_from_json(const nlohmann::json& j) {
  NamespaceConfig ns;
  ns.pid_mode = j.value("pid", ns.pid_mode);
  ns.ipc_mode = j.value("ipc", ns.ipc_mode);
  ns.uts_mode = j.value("uts", ns.uts_mode);
  ns.cgroupns_mode = j.value("cgroupns", ns.cgroupns_mode);
  ns.domainname = j.value("domainname", ns.domainname);
  ns.annotations = j.value("annotations", ns.annotations);
  ns.runtime = j.value("runtime", ns.runtime);
  return ns;
}

}  // namespace asup::engine
