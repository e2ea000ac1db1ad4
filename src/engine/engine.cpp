#include "engine/engine.hpp"

#include <sys/utsname.h>
#include <sys/wait.h>

#include <spdlog/spdlog.h>
#include <algorithm>

#include "asup/protocol.hpp"
#include "core/fs.hpp"
#include "core/subprocess.hpp"
#include "core/time_format.hpp"
#include "engine/naming.hpp"
#include "engine/network_view.hpp"
#include "engine/resource_checks.hpp"
#include "engine/resource_config.hpp"
#include "engine/storage_view.hpp"
#include "launch/init_layer.hpp"

namespace asup::engine {

Engine::Engine(loop::EventLoop& loop, DaemonOptions options)
    : loop_(loop), options_(std::move(options)), captures_(loop.io()) {}

Status Engine::start() {
  ASUP_TRY(fs::make_dirs(fs::join(options_.root, "containers"), 0700));
  ASUP_TRY(fs::make_dirs(fs::join(options_.run_root, "containers"), 0700));
  ASUP_TRY(images_, image::Store::open(options_.root));
  ASUP_TRY(init_layer_, launch::ensure_init_layer(options_.root));
  ASUP_TRY(cgroups_, cgroup::detect(options_.cgroup_parent));
  host_ = host_resources(*cgroups_);
  registry_ = std::make_unique<registry::RegistryClient>(
      loop_.io(), registry::RegistryOptions{options_.insecure_registries,
                                            fs::join(options_.root, "auth.json")});
  fetcher_ = std::make_unique<registry::LayerFetcher>(loop_, *registry_, *images_,
                                                      options_.max_concurrent_downloads);
  spdlog::info("cgroup {} backend, parent \"{}\"", cgroups_->version(), options_.cgroup_parent);
  ASUP_TRY(start_networks());
  ASUP_TRY(start_volumes());
  load_containers();
  ASUP_TRY(resume_networks());
  restart_after_load();
  return ok();
}

void Engine::shutdown() {
  for (auto& [id, c] : containers_) {
    if (c->watch) c->watch->cancel();
    (void)persist_state(*c);
  }
  if (network_) network_->save();
  cgroups_->remove_parent_if_empty();
  // Stops the downloads and joins the extraction threads while the loop still exists.
  fetcher_.reset();
}

void Engine::reap_strays() {
  // Containers and exec helpers are reaped through their pidfds; anything else that is
  // our child (there should be nothing) is reaped here so it cannot linger as a zombie.
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
    bool known = execs_.count(info.si_pid) > 0 || sys::is_helper_child(info.si_pid);
    for (auto& [id, c] : containers_)
      if (c->state.pid == info.si_pid) known = true;
    if (known) return;
    ::waitpid(info.si_pid, nullptr, WNOHANG);
  }
}

Result<Instance*> Engine::find(const std::string& query) {
  std::vector<NameAndId> all;
  for (auto& [id, c] : containers_)
    if (!c->removing) all.push_back({id, c->config.name});
  ASUP_TRY(auto id, match_container(query, all));
  return containers_.at(id).get();
}

void Engine::when_finished(Instance& c, std::function<void()> fn) {
  if (c.at_rest()) {
    fn();
    return;
  }
  c.on_finished.push_back(std::move(fn));
}

api::ContainerSummary Engine::summary(const Instance& c) const {
  return {c.config.id,
          c.config.name,
          c.config.image,
          c.config.argv,
          c.config.created_ns,
          to_string(c.state.status),
          c.state.started_ns,
          c.state.finished_ns,
          c.state.exit_code,
          c.state.oom_killed,
          api_ports(c.attachment.ports),
          network_names(c),
          c.state.health ? to_string(c.state.health->status) : "",
          c.config.labels,
          mount_summaries(c.config.volumes)};
}

namespace {

// Each stage's own duration in ms (how long from the previous stage's end), for the
// stacked-bar breakdown; null for stages not reached (or not kept: a restarted asupd).
nlohmann::json start_stages(const StartStages& st) {
  nlohmann::json out = nlohmann::json::object();
  if (st.request == 0) return out;
  std::int64_t previous = st.request;
  auto stage = [&](const char* name, std::int64_t at) {
    if (at == 0) {
      out[name] = nullptr;
      return;
    }
    out[name] = static_cast<double>(at - previous) / 1e6;
    previous = at;
  };
  stage("ImageMs", st.image);
  stage("RootfsMs", st.rootfs);
  stage("CgroupMs", st.cgroup);
  stage("CloneMs", st.clone);
  stage("NetworkMs", st.network);
  stage("InitReadyMs", st.ready);
  stage("ExecMs", st.started);
  out["TotalMs"] = st.started ? nlohmann::json(static_cast<double>(st.started - st.request) / 1e6)
                              : nlohmann::json(nullptr);
  return out;
}

}  // namespace

namespace {

nlohmann::json state_view(const Instance& c) {
  const auto& st = c.state;
  return {{"Status", to_string(st.status)},
          {"Running", c.running() || c.restarting()},
          {"Paused", c.paused()},
          {"Restarting", c.restarting()},
          {"Pid", st.pid},
          {"ExitCode", st.exit_code},
          {"Error", st.error},
          {"OOMKilled", st.oom_killed},
          {"StartedAt", rfc3339(st.started_ns)},
          {"FinishedAt", rfc3339(st.finished_ns)}};
}

nlohmann::json config_view(const ContainerConfig& cfg) {
  return {{"Hostname", cfg.hostname},
          {"Domainname", cfg.namespaces.domainname},
          {"User", cfg.user},
          {"Env", cfg.env},
          {"Cmd", cfg.argv},
          {"Image", cfg.image},
          {"WorkingDir", cfg.workdir},
          {"OpenStdin", cfg.interactive},
          {"Tty", cfg.tty},
          {"Labels", cfg.labels},
          {"StopSignal", cfg.stop_signal.empty() ? "SIGTERM" : cfg.stop_signal},
          {"StopTimeout", cfg.stop_timeout ? nlohmann::json(*cfg.stop_timeout) : nlohmann::json()}};
}

// HostConfig's resources, under Docker's names and with its zero defaults.
void add_resources(const ContainerConfig& cfg, nlohmann::json& host) {
  const auto& l = cfg.limits;
  host["Memory"] = l.memory_bytes.value_or(0);
  host["NanoCpus"] = static_cast<std::int64_t>(l.cpus.value_or(0) * 1e9);
  host["PidsLimit"] = l.pids.value_or(0);
  host["CpusetCpus"] = l.cpuset_cpus.value_or("");
  host["CpusetMems"] = l.cpuset_mems.value_or("");
  host["CpuShares"] = l.cpu_shares.value_or(0);
  host["CpuPeriod"] = l.cpu_period.value_or(0);
  host["CpuQuota"] = l.cpu_quota.value_or(0);
  host["MemorySwap"] = l.memory_swap.value_or(0);
  host["MemoryReservation"] = l.memory_reservation.value_or(0);
  host["OomKillDisable"] = l.oom_kill_disable.value_or(false);
  host["OomScoreAdj"] = cfg.oom_score_adj.value_or(0);
  host["BlkioWeight"] = l.blkio_weight;
  add_more_resources_view(cfg.limits, cfg.cgroup_parent, host);
}

nlohmann::json host_config_view(const ContainerConfig& cfg) {
  nlohmann::json tmpfs = nlohmann::json::object();
  for (auto& t : cfg.tmpfs) {
    auto colon = t.find(':');
    tmpfs[t.substr(0, colon)] = colon == std::string::npos ? "" : t.substr(colon + 1);
  }
  nlohmann::json devices = nlohmann::json::array();
  for (auto& d : cfg.devices)
    devices.push_back({{"PathOnHost", d.path_on_host},
                       {"PathInContainer", d.path_in_container},
                       {"CgroupPermissions", d.cgroup_permissions}});
  nlohmann::json host{
      {"Tmpfs", tmpfs},
      {"Devices", devices},
      {"AutoRemove", cfg.auto_remove},
      {"LogConfig",
       {{"Type", cfg.log_driver},
        {"Config",
         cfg.log_opts.empty() ? nlohmann::json::object() : nlohmann::json(cfg.log_opts)}}},
      {"RestartPolicy",
       {{"Name", cfg.restart.name()}, {"MaximumRetryCount", cfg.restart.max_retries}}},
      {"NetworkMode", cfg.network_mode},
      {"PortBindings", port_bindings(cfg)}};
  add_resources(cfg, host);
  add_security_view(cfg.security, host);
  add_namespace_view(cfg.namespaces, host);
  return host;
}

}  // namespace

nlohmann::json Engine::inspect(const Instance& c) const {
  const auto& cfg = c.config;
  std::vector<std::string> args(cfg.argv.begin() + (cfg.argv.empty() ? 0 : 1), cfg.argv.end());
  nlohmann::json out{
      {"Id", cfg.id},
      {"Name", "/" + cfg.name},
      {"Created", rfc3339(cfg.created_ns)},
      {"Path", cfg.argv.empty() ? "" : cfg.argv[0]},
      {"Args", args},
      {"State", state_view(c)},
      {"Image", cfg.image_id},
      {"RestartCount", c.state.restart_count},
      {"Config", config_view(cfg)},
      {"HostConfig", host_config_view(cfg)},
      {"NetworkSettings", network_settings(c)},
      {"StartStages", start_stages(c.stages)},
      {"LogRing",
       {{"SizeBytes", cfg.log_size},
        {"DroppedBytes", c.log->dropped_bytes().value_or(c.state.log_dropped_bytes)}}},
  };
  // Docker's "/NAME:/THIS/ALIAS"; a linked container removed since shows its id.
  nlohmann::json links = nlohmann::json::array();
  for (const auto& link : cfg.links) {
    const auto colon = link.find(':');
    auto other = containers_.find(link.substr(0, colon));
    const std::string name =
        other != containers_.end() ? other->second->config.name : link.substr(0, colon);
    links.push_back("/" + name + ":/" + cfg.name + "/" + link.substr(colon + 1));
  }
  out["HostConfig"]["Links"] = links.empty() ? nlohmann::json() : links;
  add_net_options_view(cfg, out);
  add_health_views(cfg.healthcheck, c.state.health, out);
  add_storage_views(cfg, out);
  return out;
}

void Engine::version(const CallerPtr& s, const api::VersionRequest&) {
  api::VersionResult v;
  v.version = ASUP_VERSION;
  v.api_version = protocol::kVersion;
  v.os = "linux";
  struct utsname u {};
  if (::uname(&u) == 0) {
    v.kernel_version = u.release;
    const std::string machine = u.machine;
    // Docker's (Go's) names for the machine.
    v.arch = machine == "x86_64" ? "amd64" : machine == "aarch64" ? "arm64" : machine;
  }
  v.cgroup_version = cgroups_->version().substr(1);  // Docker says "1" or "2"
  v.event_loop = loop_.backend();
  s->reply(v);
}

void Engine::ps(const CallerPtr& s, const api::PsRequest& req) {
  bool all = req.all;
  std::vector<const Instance*> list;
  for (auto& [id, c] : containers_)
    if (!c->removing && (all || c->running() || c->restarting())) list.push_back(c.get());
  std::sort(list.begin(), list.end(),
            [](auto* a, auto* b) { return a->config.created_ns > b->config.created_ns; });
  api::PsResult result;
  for (auto* c : list) result.containers.push_back(summary(*c));
  s->reply(result);
}

void Engine::inspect(const CallerPtr& s, const api::InspectRequest& req) {
  api::InspectResult result;
  for (auto& q : req.ids) {
    auto c = find(q);
    if (!c) {
      result.errors.push_back(c.error().message);
      continue;
    }
    result.items.push_back(inspect(*c.value()));
  }
  s->reply(result);
}

}  // namespace asup::engine
