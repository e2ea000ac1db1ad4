// The launch pipeline, as run_container in init/main.cpp reads on the other side: resolve the
// image and merge the config -> the container's directories and generated files -> its
// cgroup -> clone3 of asup-init -> the network wired while init mounts the root
// filesystem -> the barrier opened once init reports "ready". Each stage is a function;
// create_container and start_container string them together and undoes what was done if one fails
// before clone3 (after it, the exit path cleans up as for any container).
#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/read_until.hpp>

#include "asup/protocol.hpp"
#include "cgroup/blkio_device.hpp"
#include "cgroup/devices.hpp"
#include "core/fs.hpp"
#include "core/syscalls.hpp"
#include "engine/engine.hpp"
#include "engine/naming.hpp"
#include "engine/resource_config.hpp"
#include "launch/host_devices.hpp"
#include "launch/mount_plan.hpp"
#include "launch/spawner.hpp"

namespace asup::engine {
namespace {

Result<std::pair<UniqueFd, UniqueFd>> make_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno("pipe2");
  return std::pair{UniqueFd{p[0]}, UniqueFd{p[1]}};
}

// The container's limits with its device policy: Docker's defaults, then an allow rule
// for each --device node with the permissions asked for, then the --device-cgroup-rule
// rules the config's limits hold. Per-device I/O limits get the numbers of their nodes
// now, as Docker's start does.
Result<cgroup::Limits> with_device_rules(cgroup::Limits limits,
                                         const std::vector<launch::DeviceNode>& nodes) {
  auto cgroup_rules = std::move(limits.devices);
  limits.devices = cgroup::devices::default_rules();
  for (const auto& node : nodes) {
    ASUP_TRY(auto access, cgroup::devices::parse_access(node.permissions));
    auto type = node.block ? cgroup::DeviceType::Block : cgroup::DeviceType::Char;
    limits.devices.push_back(cgroup::devices::allow(type, node.major, node.minor, access));
  }
  limits.devices.insert(limits.devices.end(), cgroup_rules.begin(), cgroup_rules.end());
  ASUP_TRY(cgroup::resolve_blkio_devices(limits.blkio_devices));
  return limits;
}

}  // namespace

// The new container's config: its id, its name (given and free, or generated), the image
// and the request merged.
Result<ContainerConfig> Engine::make_config(const RunRequest& request, const image::Image& image) {
  ContainerConfig config;
  config.id = new_container_id();
  if (!request.name.empty()) {
    if (auto taken = name_in_use(request.name))
      return fail(EEXIST, "Conflict. The container name \"/" + request.name +
                              "\" is already in use by container \"" + *taken +
                              "\". You have to remove (or rename) that container to be able "
                              "to reuse that name.");
    config.name = request.name;
  } else {
    config.name =
        new_container_name([&](const std::string& n) { return name_in_use(n).has_value(); });
  }
  config.image = request.image;
  config.image_id = image.id;
  config.created_ns = now_ns();
  ASUP_TRY(merge_run_config(request, image.config, config));
  ASUP_TRY(join_network_container(config));
  ASUP_TRY(join_namespace_containers(config));
  if (!request.links.empty() && config.network_mode == "host")
    return fail(
        "conflicting options: host type networking can't be used with links. This would result "
        "in undefined behavior");
  config.links = request.links;
  ASUP_TRY(resolve_links(config));
  ASUP_TRY(resolve_volumes_from(request, config));
  return config;
}

std::optional<std::string> Engine::name_in_use(const std::string& name) const {
  for (auto& [id, other] : containers_)
    if (other->config.name == name) return id;
  return std::nullopt;
}

// Where the container's root filesystem comes from and what is mounted into it: data only.
Result<launch::RootfsLayout> Engine::rootfs_layout(const Instance& c, const image::Image& image) {
  const ContainerConfig& config = c.config;
  launch::RootfsLayout layout;
  layout.lower_dirs = images_->layer_dirs(image);
  layout.lower_dirs.insert(layout.lower_dirs.begin(), init_layer_);  // the top-most lower
  layout.upper_dir = fs::join(c.dir, "upper");
  layout.work_dir = fs::join(c.dir, "work");
  layout.merged_dir = fs::join(c.dir, "merged");
  // Generated files that matter only while the container runs live in the run root, as
  // podman keeps them in its runroot: no disk inode to create and delete per container
  // where /run is a tmpfs.
  layout.hostname_file = fs::join(c.run_dir, "hostname");
  layout.hosts_file = c.attachment.hosts_file;
  layout.resolv_conf_file = fs::join(c.run_dir, "resolv.conf");
  ASUP_TRY(use_network_container(c, layout));
  layout.tmpfs = config.tmpfs;
  ASUP_TRY(layout_volumes(config, layout));  // binds, volumes, --mount tmpfs
  for (auto& d : config.devices) {
    ASUP_TRY(auto nodes, launch::gather_devices(d));
    layout.devices.insert(layout.devices.end(), nodes.begin(), nodes.end());
  }
  layout.privileged = config.security.privileged;
  layout.shm_size = config.security.shm_size;
  ASUP_TRY(shm_layout(c, layout));
  if (layout.privileged) {
    auto host = launch::host_devices();
    layout.devices.insert(layout.devices.end(), host.begin(), host.end());
  }
  return layout;
}

// What the container keeps across its runs: its directory with the overlay's upper and
// work dirs (its filesystem) and config.json. Undone by the caller on failure.
Status Engine::make_container_dirs(const Instance& c) {
  // The overlay's root directory takes the upper dir's mode: 0755, or a non-root user in
  // the container could not even traverse "/".
  ASUP_TRY(fs::make_dirs(c.dir, 0700));
  for (auto& d : {fs::join(c.dir, "upper"), fs::join(c.dir, "merged")}) {
    ASUP_TRY(fs::make_dirs(d, 0755));
  }
  ASUP_TRY(fs::make_dirs(fs::join(c.dir, "work"), 0700));
  return fs::write_file_atomic(fs::join(c.dir, "config.json"), to_json(c.config).dump());
}

// What each run needs afresh: the run directory with the files bind-mounted over /etc, the
// planned network, missing bind-mount sources. Undone by the caller on failure.
Status Engine::prepare_run(Instance& c, const launch::RootfsLayout& layout) {
  for (auto& v : c.config.volumes) {
    // Docker creates a missing host directory for a -v bind (--mount refuses one).
    if (v.spec.type == volume::MountType::bind && v.origin != MountOrigin::mount_flag &&
        !fs::exists(v.spec.source)) {
      ASUP_TRY(fs::make_dirs(v.spec.source));
    }
  }
  ASUP_TRY(fs::make_dirs(c.run_dir, 0700));
  // asup-init of the last run recorded its end here: finish() must not read it again.
  (void)::unlink(fs::join(c.run_dir, launch::kExitFile).c_str());
  ASUP_TRY(plan_network(c));
  ASUP_TRY(write_name_files(c, layout));
  return mount_shared_shm(c);
}

// After clone3, before the barrier: v1 groups take the pid, the network is wired. A
// failure never releases the barrier: asup-init sees EOF and exits without running
// anything, and the exit path cleans up as for any failed start.
void Engine::join_and_wire(Instance& c, launch::Spawned& spawned, bool join_cgroup) {
  auto failed = [&](const Error& e) {
    spdlog::warn("container {}: {}", c.config.id.substr(0, 12), e.describe());
    c.state.error = e.describe();
    c.code_from_report = protocol::kExitEngineError;
    spawned.barrier.reset();
  };
  if (join_cgroup) {
    if (auto r = c.cgroup->add_process(spawned.pid); !r) failed(r.error());
  }
  if (!spawned.barrier) return;
  // Runs while asup-init mounts the root filesystem on the other side of the barrier.
  if (auto r = wire_network(c, spawned.pidfd.get()); !r) {
    failed(r.error());
    return;
  }
  start_resolver(c, spawned.pidfd.get());
  c.stages.network = monotonic_ns();
}

// The container's cgroup with its limits and device rules.
Status Engine::create_cgroup(Instance& c, const launch::RootfsLayout& layout) {
  ASUP_TRY(auto limits, with_device_rules(c.config.limits, layout.devices));
  if (c.config.security.privileged) limits.devices = privileged_device_rules();
  ASUP_TRY(c.cgroup, cgroups_->create(c.config.id, limits, cgroup_parent_of(c.config)));
  return ok();
}

// The container's standard descriptors: pipes for stdout and stderr (asupd reads one end,
// asup-init holds the other while asupd is away), and for -i either the client's own stdin
// (attached: the same open file, no copy through asupd) or a pipe whose write end input
// requests reach (detached). With a terminal there are none: the pty is all three, and
// asupd takes its master once asup-init has made it (take_terminal).
Result<Engine::ContainerStdio> Engine::open_stdio(Instance& c, const CallerPtr& client,
                                                  bool client_stdin) {
  ContainerStdio io;
  if (c.config.tty) return io;
  ASUP_TRY(io.out, make_pipe());
  ASUP_TRY(io.err, make_pipe());
  if (c.config.interactive && client && client_stdin) {
    ASUP_TRY(auto client_pidfd, client->client_pidfd());
    ASUP_TRY(io.in, sys::pidfd_getfd(client_pidfd, 0));
  } else if (c.config.interactive) {
    ASUP_TRY(auto in_pipe, make_pipe());
    io.in = std::move(in_pipe.first);
    c.stdin_writer = std::make_shared<StdinWriter>(loop_.io(), std::move(in_pipe.second),
                                                   "container " + c.config.id.substr(0, 12));
  }
  return io;
}

Status Engine::take_terminal(Instance& c) {
  ASUP_TRY(auto master, launch::take_console(c.watch->fd()));
  UniqueFd writer{::fcntl(master.get(), F_DUPFD_CLOEXEC, 0)};
  if (!writer) return fail_errno("duplicate the terminal's master");
  c.stdin_writer = std::make_shared<StdinWriter>(loop_.io(), std::move(writer),
                                                 "container " + c.config.id.substr(0, 12));
  // Read to its end (EIO once the workload and everything it left are gone), as a pipe.
  ++c.pending;
  capture(c, std::move(master), logs::Stream::Stdout);
  return ok();
}

// clone3 of asup-init into the container's namespaces and cgroup, with its launch spec.
Result<launch::Spawned> Engine::spawn_init(Instance& c, const launch::RootfsLayout& layout,
                                           const ContainerStdio& io) {
  const ContainerConfig& config = c.config;
  ASUP_TRY(auto state_dir, fs::open_fd(c.run_dir, O_PATH | O_DIRECTORY));
  launch::SpawnRequest spawn;
  spawn.init_path = options_.init_path;
  spawn.spec.mode = launch::Mode::Container;
  spawn.spec.rootfs = layout.merged_dir;
  spawn.spec.mounts = launch::build_container_mounts(layout);
  // The host's UTS namespace keeps the host's names.
  if (config.namespaces.uts_mode != "host") {
    spawn.spec.hostname = config.hostname;
    spawn.spec.domainname = config.namespaces.domainname;
  }
  spawn.spec.argv = config.argv;
  spawn.spec.env = config.env;
  for (auto& e : link_env(c)) spawn.spec.env.push_back(std::move(e));
  spawn.spec.workdir = config.workdir;
  spawn.spec.user = config.user;
  if (config.oom_score_adj)
    spawn.spec.oom_score_adj = static_cast<std::int32_t>(*config.oom_score_adj);
  ASUP_TRY(apply_security(config.security, options_.no_new_privileges, spawn.spec));
  spawn.stdin_fd = io.in.get();
  spawn.stdout_fd = io.out.second.get();
  spawn.stderr_fd = io.err.second.get();
  spawn.state_dir_fd = state_dir.get();
  spawn.stdout_hold_fd = io.out.first.get();
  spawn.stderr_hold_fd = io.err.first.get();
  // asup-init watches asupd through it and keeps the output while asupd is away.
  spawn.daemon_pidfd = daemon_pidfd();
  spawn.spec.log_size = config.log_size;
  spawn.spec.tty = config.tty;
  spawn.spec.tty_rows = c.tty_rows;
  spawn.spec.tty_cols = c.tty_cols;
  ASUP_TRY(namespaces_for(c, spawn));
  if (!network::shared_netns_container(config.network_mode).empty()) {
    ASUP_TRY(auto* other, network_container(c));
    spawn.netns_fd = other->watch->fd();  // its pidfd: setns joins its namespace
  }
  spawn.cgroup_fd = c.cgroup->clone_into_fd();
  if (spawn.cgroup_fd < 0 && config.namespaces.cgroupns_mode == "private") {
    // v1: init joins its groups only after clone3; it makes its cgroup namespace later.
    spawn.namespaces &= ~static_cast<std::uint64_t>(CLONE_NEWCGROUP);
    spawn.spec.late_cgroup_namespace = true;
  }
  return launch::spawn(spawn);
}

// From clone3 on, the container is asupd's to watch: its pidfd, its report pipe, its
// output, the client attached to it.
void Engine::supervise(Instance& c, launch::Spawned& spawned, ContainerStdio& io,
                       const CallerPtr& attached) {
  c.barrier = std::move(spawned.barrier);
  // process exit, report EOF, and stdout and stderr EOF (a terminal counts once taken)
  c.pending = c.config.tty ? 2 : 4;
  std::string id = c.config.id;
  c.watch = std::make_unique<loop::PidfdWatch>(loop_.io(), std::move(spawned.pidfd));
  c.watch->start([this, id] { on_process_exit(id); });
  c.report =
      std::make_unique<boost::asio::posix::stream_descriptor>(loop_.io(), spawned.report.release());
  io.out.second.reset();
  io.err.second.reset();
  io.in.reset();
  if (attached) c.log->attach(attached);
  refresh_peer_hosts(c);
  if (!c.config.tty) {
    capture(c, std::move(io.out.first), logs::Stream::Stdout);
    capture(c, std::move(io.err.first), logs::Stream::Stderr);
  }
  on_report(c);
}

Result<Instance*> Engine::create_container(const RunRequest& request, std::int64_t received_ns,
                                           bool write_state) {
  ASUP_TRY(auto image, images_->resolve(request.image));
  ASUP_TRY(auto config, make_config(request, image));
  ASUP_TRY(claim_volumes(config));
  auto owned = std::make_unique<Instance>(config);
  Instance& c = *owned;
  c.stages.request = received_ns;
  c.stages.image = monotonic_ns();
  c.dir = fs::join(fs::join(options_.root, "containers"), config.id);
  c.run_dir = fs::join(fs::join(options_.run_root, "containers"), config.id);
  c.attachment = attachment_for(config, c.run_dir);
  c.tty_rows = request.tty_rows;
  c.tty_cols = request.tty_cols;
  auto made = [&]() -> Status {
    ASUP_TRY(make_container_dirs(c));
    ASUP_TRY(c.log, logs::ContainerLog::create(config.id, fs::join(c.dir, "log"), config.log_size));
    // A run writes its first state once the workload runs (release_barrier): a config
    // without one is a start asupd did not see through, which load_containers records.
    if (write_state) {
      ASUP_TRY(persist_state(c));
    }
    return ok();
  }();
  if (!made) {
    drop_volumes(config, true);
    (void)fs::remove_tree(c.dir);
    return made.error();
  }
  containers_.emplace(config.id, std::move(owned));
  return &c;
}

void Engine::discard_container(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  (void)fs::remove_tree(it->second->dir);
  release_shared_shm(*it->second);
  (void)fs::remove_tree(it->second->run_dir);
  drop_volumes(it->second->config, true);
  containers_.erase(it);
}

void Instance::begin_run() {
  pending = 0;
  exit_seen = false;
  wait_status_code = -1;
  code_from_report.reset();
  report.reset();
  report_buffer.clear();
  barrier.reset();
  stdin_writer.reset();
  kill_timer.reset();
  restart_timer.reset();
  sigkill_sent = false;
  exit_on_next = false;
  own_child = true;
  stages = {};
  state.error.clear();
  state.exit_code = 0;
  state.oom_killed = false;
}

Status Engine::start_container(Instance& c, const StartOptions& how) {
  ASUP_TRY(auto image, images_->resolve(c.config.image_id));
  ASUP_TRY(auto layout, rootfs_layout(c, image));
  const bool first = how.fresh;
  if (!first) {
    c.begin_run();
    c.stages.request = c.stages.image = monotonic_ns();
  }
  if (how.tty_rows && how.tty_cols) {
    c.tty_rows = how.tty_rows;
    c.tty_cols = how.tty_cols;
  }
  // Everything below is undone if a step before clone3 fails.
  struct Undo {
    Engine* self;
    Instance* c;
    bool armed = true;
    ~Undo() {
      if (!armed) return;
      if (c->cgroup) (void)c->cgroup->destroy();
      c->cgroup.reset();
      self->release_network(*c);
      c->stdin_writer.reset();
      self->release_shared_shm(*c);
      (void)fs::remove_tree(c->run_dir);
    }
  } undo{this, &c};

  ASUP_TRY(prepare_run(c, layout));
  c.stages.rootfs = monotonic_ns();
  ASUP_TRY(create_cgroup(c, layout));
  c.stages.cgroup = monotonic_ns();
  if (!first) {
    c.log->resume();
    c.state.starting = true;
    ASUP_TRY(persist_state(c));
  }
  ASUP_TRY(auto io, open_stdio(c, how.client, how.client_stdin));
  ASUP_TRY(auto spawned, spawn_init(c, layout, io));
  undo.armed = false;
  c.stages.clone = monotonic_ns();

  c.launched = true;
  c.own_child = true;
  c.state.pid = spawned.pid;
  c.state.pid_start_time = sys::process_start_time(spawned.pid);
  join_and_wire(c, spawned, c.cgroup->clone_into_fd() < 0);
  supervise(c, spawned, io, how.attach ? how.client : nullptr);
  return ok();
}

void Engine::on_report(Instance& c) {
  std::string id = c.config.id;
  boost::asio::async_read_until(
      *c.report, boost::asio::dynamic_buffer(c.report_buffer), '\n',
      [this, id](const boost::system::error_code& ec, std::size_t n) {
        auto it = containers_.find(id);
        if (it == containers_.end()) return;
        Instance& c = *it->second;
        if (ec) {
          settle(c);  // EOF: asup-init is gone
          return;
        }
        std::string line = c.report_buffer.substr(0, n - 1);
        c.report_buffer.erase(0, n);
        if (line == "ready") {
          if (!c.config.tty) {
            release_barrier(c);
          } else if (auto taken = take_terminal(c); !taken) {
            // The workload never runs: init sees the barrier close and leaves.
            c.state.error = taken.error().describe();
            c.code_from_report = protocol::kExitEngineError;
            c.barrier.reset();
          } else {
            release_barrier(c);
          }
        } else if (line.rfind("started", 0) == 0) {
          c.stages.started = monotonic_ns();
          tell_started(c, std::nullopt);
        } else if (line.rfind("error ", 0) == 0) {
          auto space = line.find(' ', 6);
          c.code_from_report = std::atoi(line.substr(6, space - 6).c_str());
          c.state.error = space == std::string::npos ? "" : line.substr(space + 1);
          tell_started(c, api::Exit{*c.code_from_report, c.state.error});
        }
        on_report(c);
      });
}

void Engine::tell_started(Instance& c, const std::optional<api::Exit>& failure) {
  auto waiters = std::move(c.on_started);
  c.on_started.clear();
  for (auto& w : waiters) w(failure);
}

void Engine::release_barrier(Instance& c) {
  // Network setup goes here (a later stage): the workload must not run before it is done.
  char go = 1;
  if (!c.barrier || ::write(c.barrier.get(), &go, 1) != 1) {
    spdlog::warn("container {}: could not release the start barrier", c.config.id.substr(0, 12));
    return;
  }
  c.barrier.reset();
  c.stages.ready = monotonic_ns();
  c.state.status = RunState::Running;
  c.state.started_ns = now_ns();
  c.state.starting = false;
  health_started(c);
  if (auto r = persist_state(c); !r) spdlog::warn("{}", r.error().describe());
}

}  // namespace asup::engine
