// The container registry and lifecycle: answers every request that arrives through the
// control FIFO, runs the launch pipeline, reaps exits, captures output and persists state.
// Everything here runs on the one event-loop thread; blocking work is offloaded.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/caller.hpp"
#include "api/requests.hpp"
#include "cgroup/cgroup.hpp"
#include "cgroup/validate.hpp"
#include "engine/instance.hpp"
#include "engine/run_config.hpp"
#include "image/store.hpp"
#include "launch/mount_plan.hpp"
#include "launch/spawner.hpp"
#include "logs/capture.hpp"
#include "loop/event_loop.hpp"
#include "network/resolv_conf.hpp"
#include "network/stage.hpp"
#include "registry/layer_fetcher.hpp"
#include "registry/registry_client.hpp"
#include "volume/store.hpp"

namespace asup::engine {

struct DaemonOptions {
  std::string root = "/var/lib/asup";
  std::string run_root = "/run/asup";
  std::string init_path;  // asup-init next to asupd
  std::string cgroup_parent = "asup";
  std::vector<std::string> insecure_registries;
  std::size_t max_concurrent_downloads = 4;
  std::string bridge = "asup0";         // the default network's bridge
  std::string subnet = "10.88.0.0/16";  // and its subnet; the gateway is the first address
  bool no_new_privileges = false;       // containers' default (Docker's: off)
};

using CallerPtr = api::CallerPtr;
struct ExecState;  // exec.cpp

class Engine {
 public:
  Engine(loop::EventLoop& loop, DaemonOptions options);
  Status start();

  // The typed operations every front end calls: each answers through its caller, with
  // progress messages and one final reply (docs/protocol.md).
  // containers (commands.cpp, engine.cpp)
  void run(const CallerPtr& caller, const api::RunRequest& request);
  void ps(const CallerPtr& caller, const api::PsRequest& request);
  void inspect(const CallerPtr& caller, const api::InspectRequest& request);
  void logs(const CallerPtr& caller, const api::LogsRequest& request);
  void exec(const CallerPtr& caller, const api::ExecRequest& request);
  void stop(const CallerPtr& caller, const api::StopRequest& request);
  void kill(const CallerPtr& caller, const api::KillRequest& request);
  void rm(const CallerPtr& caller, const api::RmRequest& request);
  void wait(const CallerPtr& caller, const api::WaitRequest& request);
  // the lifecycle after run (lifecycle.cpp, pause.cpp)
  void create(const CallerPtr& caller, const api::CreateRequest& request);
  void start(const CallerPtr& caller, const api::StartRequest& request);
  void restart(const CallerPtr& caller, const api::RestartRequest& request);
  void pause(const CallerPtr& caller, const api::PauseRequest& request);
  void unpause(const CallerPtr& caller, const api::UnpauseRequest& request);
  void rename(const CallerPtr& caller, const api::RenameRequest& request);
  void update(const CallerPtr& caller, const api::UpdateRequest& request);
  void top(const CallerPtr& caller, const api::TopRequest& request);
  void diff(const CallerPtr& caller, const api::DiffRequest& request);
  // images (image_ops.cpp)
  void load(const CallerPtr& caller, const api::LoadRequest& request);
  void import(const CallerPtr& caller, const api::ImportRequest& request);
  void images(const CallerPtr& caller, const api::ImagesRequest& request);
  void rmi(const CallerPtr& caller, const api::RmiRequest& request);
  void tag(const CallerPtr& caller, const api::TagRequest& request);
  void save(const CallerPtr& caller, const api::SaveRequest& request);
  void image_inspect(const CallerPtr& caller, const api::ImageInspectRequest& request);
  void image_prune(const CallerPtr& caller, const api::ImagePruneRequest& request);
  // registry (registry_ops.cpp)
  void pull(const CallerPtr& caller, const api::PullRequest& request);
  void login(const CallerPtr& caller, const api::LoginRequest& request);
  void logout(const CallerPtr& caller, const api::LogoutRequest& request);
  // networks (network_ops.cpp)
  void network_create(const CallerPtr& caller, const api::NetworkCreateRequest& request);
  void network_ls(const CallerPtr& caller, const api::NetworkLsRequest& request);
  void network_inspect(const CallerPtr& caller, const api::NetworkInspectRequest& request);
  void network_rm(const CallerPtr& caller, const api::NetworkRmRequest& request);
  void network_connect(const CallerPtr& caller, const api::NetworkConnectRequest& request);
  void network_disconnect(const CallerPtr& caller, const api::NetworkDisconnectRequest& request);
  void port(const CallerPtr& caller, const api::PortRequest& request);
  void version(const CallerPtr& caller, const api::VersionRequest& request);
  // volumes (volume_ops.cpp)
  void volume_create(const CallerPtr& caller, const api::VolumeCreateRequest& request);
  void volume_ls(const CallerPtr& caller, const api::VolumeLsRequest& request);
  void volume_inspect(const CallerPtr& caller, const api::VolumeInspectRequest& request);
  void volume_rm(const CallerPtr& caller, const api::VolumeRmRequest& request);
  void volume_prune(const CallerPtr& caller, const api::VolumePruneRequest& request);
  // terminals and stdin (terminal.cpp): no reply, whatever happens
  void input(const CallerPtr& caller, const api::InputRequest& request);
  void resize(const CallerPtr& caller, const api::ResizeRequest& request);
  void attach(const CallerPtr& caller, const api::AttachRequest& request);
  // Graceful shutdown: containers keep running; their state stays on disk for the next
  // asupd to pick up.
  void shutdown();
  // SIGCHLD safety net: reaps children that are not containers (exec helpers are watched
  // through their pidfds; anything else is reaped here).
  void reap_strays();

 private:
  // The network and the container a connect/disconnect request names.
  Result<std::pair<network::Network*, Instance*>> connection_target(const std::string& network,
                                                                    const std::string& container);
  // After connect/disconnect: state, the container's own hosts file and its peers'.
  void endpoints_changed(Instance& c, const std::vector<network::Endpoint>& touched);

  // exec (exec.cpp)
  Result<launch::SpawnRequest> exec_spawn_request(const Instance& c, const api::ExecRequest& req);
  Status start_exec(const CallerPtr& s, launch::SpawnRequest spawn, const api::ExecRequest& req);
  // exec -t: the master from exec-mode asup-init, read out to the caller.
  Status attach_exec_console(const CallerPtr& s, ExecState& st, int init_pidfd,
                             const std::string& exec_id, std::function<void()> done);
  // Spawns asup-init in exec mode and follows it; st->on_end runs once its process exited
  // and its report pipe (and terminal) are done. Returns asup-init's pid.
  Result<pid_t> launch_exec(const launch::SpawnRequest& spawn,
                            const std::shared_ptr<ExecState>& st);
  void exec_progress(std::shared_ptr<ExecState> st);

  // health checks (health.cpp), called at each change of a run: a run began (starting
  // again), it runs again (unpaused, re-adopted), it does not run (exited, paused).
  void health_started(Instance& c);
  void health_resumed(Instance& c);
  void health_stopped(Instance& c);
  void arm_health_timer(Instance& c, std::int64_t delay_ns, bool probe_due);
  void run_probe(const std::string& id);
  void probe_timed_out(const std::string& id);
  void probe_finished(const std::string& id, const std::shared_ptr<ProbeRun>& probe);
  void record_health(Instance& c, ProbeResult result);

  // the launch pipeline (launch_pipeline.cpp), its stages in order. create_container makes
  // what a container keeps across runs; start_container makes a run of it.
  Result<Instance*> create_container(const RunRequest& request, std::int64_t received_ns,
                                     bool write_state);
  Result<ContainerConfig> make_config(const RunRequest& request, const image::Image& image);
  std::optional<std::string> name_in_use(const std::string& name) const;  // the holder's id
  Status make_container_dirs(const Instance& c);
  // A container whose first start failed before clone3 goes without a trace.
  void discard_container(const std::string& id);
  struct StartOptions {
    CallerPtr client;           // whoever asked (may be null: a restart policy)
    bool attach = false;        // client gets the live output and the exit
    bool client_stdin = false;  // -i: the client's own stdin is the container's
    std::uint32_t tty_rows = 0, tty_cols = 0;
    bool fresh = false;  // run: the first start, right after create_container (no state yet)
  };
  Status start_container(Instance& c, const StartOptions& how);
  Result<launch::RootfsLayout> rootfs_layout(const Instance& c, const image::Image& image);
  Status prepare_run(Instance& c, const launch::RootfsLayout& layout);
  Status create_cgroup(Instance& c, const launch::RootfsLayout& layout);
  struct ContainerStdio {
    UniqueFd in;                        // invalid: /dev/null
    std::pair<UniqueFd, UniqueFd> out;  // read end, write end
    std::pair<UniqueFd, UniqueFd> err;
  };
  Result<ContainerStdio> open_stdio(Instance& c, const CallerPtr& client, bool client_stdin);
  Result<launch::Spawned> spawn_init(Instance& c, const launch::RootfsLayout& layout,
                                     const ContainerStdio& io);
  void join_and_wire(Instance& c, launch::Spawned& spawned, bool join_cgroup);
  void supervise(Instance& c, launch::Spawned& spawned, ContainerStdio& io,
                 const CallerPtr& attached);
  void on_report(Instance& c);
  // tty: the pty master from asup-init, read into the log and written by input requests.
  Status take_terminal(Instance& c);
  void release_barrier(Instance& c);
  // run -d, start: the workload was exec'ed (nullopt), or could not be.
  void tell_started(Instance& c, const std::optional<api::Exit>& failure);

  // a container's end (exits.cpp)
  void on_process_exit(const std::string& id);
  void settle(Instance& c);
  void finish(Instance& c);
  void destroy_cgroup(const std::string& id, std::shared_ptr<cgroup::Group> group, int attempts);
  // Runs fn once the container's last cgroup is gone (at once when it is): a new run's
  // group has the same path.
  void after_teardown(const std::string& id, std::function<void()> fn);

  // restart policies (restart_policy.cpp)
  bool wants_restart(const Instance& c) const;
  void schedule_restart(Instance& c);
  // A restarting container stops waiting: exited. False when it was not restarting.
  bool cancel_restart(Instance& c);
  // After load_containers and the networks: what the policies bring back.
  void restart_after_load();

  // a start by a user (lifecycle.cpp): the policy's count starts again; done(error)
  // once the workload runs or could not.
  void manual_start(Instance& c, const StartOptions& how,
                    std::function<void(std::optional<std::string>)> done);
  // stop's steps for one container; done once it has exited.
  void stop_container(Instance& c, std::optional<std::int64_t> timeout, std::optional<int> sig,
                      std::function<void()> done);
  // A paused container runs again; false with the error logged when it cannot.
  bool thaw(Instance& c);

  // containers on disk (containers.cpp)
  Status persist_state(Instance& c);
  // remove_volumes: rm -v, the container's anonymous volumes go too (always with --rm).
  void remove_container(const std::string& id, std::function<void(Status)> done,
                        bool remove_volumes = false);
  void load_containers();

  // re-adoption after a restart (adoption.cpp)
  struct Handover;
  void adopt(Instance& c);
  void readopt(Instance& c, UniqueFd pidfd);
  void await_handover(const std::shared_ptr<Handover>& h);
  void end_handover(const std::shared_ptr<Handover>& h);
  // A re-adopted container's process ended: its status, from exit.json, its pidfd or
  // the signal asupd sent, once known.
  void resolve_adopted_exit(const std::string& id, int attempt);
  // asupd's own pidfd, which every container's asup-init watches (opened once).
  int daemon_pidfd();
  // Output asup-init kept while no asupd read the pipes joins the log (output.cpp).
  void import_spool(Instance& c);

  // network stage (networking.cpp): network::Stage over the containers' attachments
  Status start_networks();
  Status resume_networks();
  network::Attachments all_attachments() const;
  // Before clone3: addresses and port reservations. Undone by release_network.
  Status plan_network(Instance& c);
  // After clone3, before the barrier: veths, addresses, routes, DNAT elements.
  Status wire_network(Instance& c, int pidfd);
  void release_network(Instance& c);
  std::string hosts_content(const Instance& c) const;
  // The container's endpoints came or went: its peers' hosts files follow.
  void refresh_peer_hosts(const Instance& c);

  // names and resolvers (name_service.cpp): hostname, hosts and resolv.conf of a run, the
  // embedded DNS resolver of user networks, --network container:X.
  const network::ResolvConf& host_resolv();
  std::string host_gateway() const;
  // At create: X of container:X resolved to its id; the container takes X's host name.
  Status join_network_container(ContainerConfig& config);
  // The running container whose namespace `c` joins, or Docker's error.
  Result<Instance*> network_container(const Instance& c);
  // container:X: X's hostname, hosts and resolv.conf files in the layout.
  Status use_network_container(const Instance& c, launch::RootfsLayout& layout);
  Status write_name_files(Instance& c, const launch::RootfsLayout& layout);
  // After the network is wired: the resolver in the container's namespace, if it has one.
  void start_resolver(Instance& c, int pidfd);
  std::vector<std::uint32_t> resolve_peer(const std::string& id, std::string_view name) const;
  std::optional<std::string> resolve_address(const std::string& id, std::uint32_t address) const;

  // namespace modes (namespaces.cpp): --pid and --ipc container:X, /dev/shm by IpcMode,
  // --link.
  // At create: X of container:X and each linked container resolved to its id.
  Status join_namespace_containers(ContainerConfig& config);
  Status resolve_links(ContainerConfig& config);
  // At start: /dev/shm's source in the layout; the namespaces clone3 makes or joins.
  Status shm_layout(const Instance& c, launch::RootfsLayout& layout);
  Status namespaces_for(const Instance& c, launch::SpawnRequest& spawn);
  // shareable: the tmpfs others join, mounted in the run directory; unmounted at the end.
  Status mount_shared_shm(const Instance& c);
  void release_shared_shm(const Instance& c);
  // --link: hosts lines (and, on the default bridge, Docker's variables) of the running
  // linked containers, or Docker's error for one not running.
  Result<std::string> link_hosts(const Instance& c);
  std::vector<std::string> link_env(const Instance& c) const;

  // output (output.cpp): a pipe read into the container's log, which settles the
  // container at EOF.
  void capture(Instance& c, UniqueFd read_end, logs::Stream stream);
  // `logs -f --until`: the follower `s` of `log` gets its result at that time.
  void end_follow_at(const std::shared_ptr<logs::ContainerLog>& log, const CallerPtr& s,
                     std::int64_t until_ns);

  // helpers
  using Reporter = std::function<void(api::Outcome)>;
  // For stop, rm, wait: runs `act` on each container named in `ids`; the client gets
  // one result listing every outcome, in the order given, once each has reported.
  void for_each_named(const CallerPtr& s, const std::vector<std::string>& ids,
                      const std::function<void(Instance&, Reporter)>& act);
  Result<Instance*> find(const std::string& query);
  api::ContainerSummary summary(const Instance& c) const;
  nlohmann::json inspect(const Instance& c) const;
  void when_finished(Instance& c, std::function<void()> fn);
  Status signal(Instance& c, int sig);
  api::Outcome kill_one(Instance& c, const std::string& name, int sig);

  loop::EventLoop& loop_;
  DaemonOptions options_;
  std::unique_ptr<image::Store> images_;
  std::unique_ptr<cgroup::Manager> cgroups_;
  // What the host's cgroups and CPUs allow, read once at start as Docker's sysinfo is: no
  // /sys reads on each run's path.
  cgroup::HostResources host_;
  std::unique_ptr<registry::RegistryClient> registry_;
  std::unique_ptr<registry::LayerFetcher> fetcher_;
  std::map<std::string, std::unique_ptr<Instance>> containers_;
  std::unique_ptr<network::Stage> network_;
  std::string init_layer_;  // launch::ensure_init_layer
  // exec helpers still running, by pid, so the SIGCHLD net does not steal their status
  std::map<pid_t, std::unique_ptr<loop::PidfdWatch>> execs_;
  // the terminals of running exec -t commands, by exec id, for input and resize
  std::map<std::string, std::shared_ptr<StdinWriter>> exec_consoles_;
  logs::CaptureSet captures_;          // every container's output pipes
  UniqueFd daemon_pidfd_;              // daemon_pidfd()
  std::uint64_t handover_serial_ = 0;  // tells one adopt request from another
  // containers whose cgroup is still being removed, with what waits for that
  std::map<std::string, std::vector<std::function<void()>>> teardowns_;
  network::ResolvConf host_resolv_;  // /etc/resolv.conf, read again when it changes
  std::int64_t host_resolv_stamp_ = -1;

  // a container's volumes (volume_ops.cpp, container_volumes.cpp)
  // Opens ROOT/volumes, before the containers are loaded.
  Status start_volumes();
  // A loaded container holds its volumes again: the store counts users in memory only.
  void reacquire_volumes(const ContainerConfig& config);
  // --volumes-from: the named containers' mounts join the new config.
  Status resolve_volumes_from(const RunRequest& request, ContainerConfig& config);
  // At create: each volume made when missing (anonymous ones named), acquired for the
  // container, its host path recorded. Undone on failure.
  Status claim_volumes(ContainerConfig& config);
  // At removal: the container lets go of its volumes; with remove_anonymous (rm -v,
  // --rm, a create that failed) its anonymous volumes are deleted on the worker pool.
  void drop_volumes(const ContainerConfig& config, bool remove_anonymous);
  // Fills the container's empty volumes from the image on the worker pool, then done on
  // the loop (at once when there is nothing to copy).
  void populate_volumes(const Instance& c, std::function<void(Status)> done);
  // The mounts of the layout: binds, volumes (mounted first when they have a type) and
  // --mount tmpfs, parents before what is mounted below them.
  Status layout_volumes(const ContainerConfig& config, launch::RootfsLayout& layout);
  std::unique_ptr<volume::Store> volumes_;
};

}  // namespace asup::engine
