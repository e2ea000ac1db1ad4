// The launch pipeline (resolve image -> rootfs dirs -> cgroup -> clone3 -> barrier ->
// running), exit handling and removal.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/read_until.hpp>
#include <chrono>

#include "asup/protocol.hpp"
#include "cgroup/devices.hpp"
#include "core/fs.hpp"
#include "core/syscalls.hpp"
#include "engine/engine.hpp"
#include "engine/naming.hpp"
#include "engine/signals.hpp"
#include "launch/mount_plan.hpp"
#include "launch/spawner.hpp"

namespace asup::engine {
namespace {

// The host's resolv.conf minus loopback nameservers, which mean nothing inside the
// container's network namespace; public resolvers when none are left, as Docker does.
std::string resolv_conf(bool host_network) {
  auto host = fs::read_file("/etc/resolv.conf");
  if (host_network && host) return host.value();
  std::string out, line;
  bool nameserver = false;
  if (host) {
    std::istringstream in(host.value());
    while (std::getline(in, line)) {
      if (line.rfind("nameserver", 0) == 0) {
        std::string addr = line.substr(10);
        addr.erase(0, addr.find_first_not_of(" \t"));
        if (addr.rfind("127.", 0) == 0 || addr.rfind("::1", 0) == 0) continue;
        nameserver = true;
      }
      out += line + "\n";
    }
  }
  if (!nameserver) out += "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";
  return out;
}

Result<std::pair<UniqueFd, UniqueFd>> make_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno("pipe2");
  return std::pair{UniqueFd{p[0]}, UniqueFd{p[1]}};
}

// The container's limits with its device policy: Docker's defaults, then an allow rule
// for each --device node with the permissions asked for.
Result<cgroup::Limits> with_device_rules(cgroup::Limits limits,
                                         const std::vector<launch::DeviceNode>& nodes) {
  limits.devices = cgroup::devices::default_rules();
  for (const auto& node : nodes) {
    ASUP_TRY(auto access, cgroup::devices::parse_access(node.permissions));
    auto type = node.block ? cgroup::DeviceType::Block : cgroup::DeviceType::Char;
    limits.devices.push_back(cgroup::devices::allow(type, node.major, node.minor, access));
  }
  return limits;
}

int code_from_wait(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return info.si_status;
  return 128 + info.si_status;
}

}  // namespace

Status Engine::persist_state(Instance& c) {
  // A ring not read back since the restart knows nothing of what was dropped before.
  if (auto dropped = c.log->dropped_bytes()) c.state.log_dropped_bytes = *dropped;
  return fs::write_file_atomic(fs::join(c.dir, "state.json"), to_json(c.state).dump());
}

std::int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

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
  return config;
}

std::optional<std::string> Engine::name_in_use(const std::string& name) const {
  for (auto& [id, other] : containers_)
    if (other->config.name == name) return id;
  return std::nullopt;
}

// The container's directories, the files bind-mounted over /etc, its planned network and
// config.json: everything the mount plan needs. Undone by the caller on failure.
Result<launch::RootfsLayout> Engine::prepare_rootfs(Instance& c, const image::Image& image) {
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
  layout.hosts_file = fs::join(c.run_dir, "hosts");
  layout.resolv_conf_file = fs::join(c.run_dir, "resolv.conf");
  layout.volumes = config.volumes;
  layout.tmpfs = config.tmpfs;
  for (auto& d : config.devices) {
    ASUP_TRY(auto nodes, launch::gather_devices(d));
    layout.devices.insert(layout.devices.end(), nodes.begin(), nodes.end());
  }
  for (auto& v : config.volumes) {
    // Docker creates a missing host directory for a bind mount.
    if (!fs::exists(v.host_path)) {
      ASUP_TRY(fs::make_dirs(v.host_path));
    }
  }
  // The overlay's root directory takes the upper dir's mode: 0755, or a non-root user in
  // the container could not even traverse "/".
  ASUP_TRY(fs::make_dirs(c.dir, 0700));
  for (auto& d : {layout.upper_dir, layout.merged_dir}) {
    ASUP_TRY(fs::make_dirs(d, 0755));
  }
  ASUP_TRY(fs::make_dirs(layout.work_dir, 0700));
  ASUP_TRY(fs::make_dirs(c.run_dir, 0700));
  ASUP_TRY(fs::write_file(layout.hostname_file, config.hostname + "\n"));
  ASUP_TRY(plan_network(c));
  ASUP_TRY(fs::write_file(layout.hosts_file, hosts_content(c)));
  ASUP_TRY(fs::write_file(layout.resolv_conf_file, resolv_conf(config.network_mode == "host")));
  // state.json first appears when the container runs (release_barrier): a config without
  // it is a start that asupd did not see through, which load_containers records as such.
  ASUP_TRY(fs::write_file_atomic(fs::join(c.dir, "config.json"), to_json(config).dump()));
  return layout;
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
  if (auto r = wire_network(c, spawned.pidfd.get()); !r) failed(r.error());
  c.stages.network = monotonic_ns();
}

Result<std::string> Engine::create_and_start(const RunRequest& request, const CallerPtr& client,
                                             std::int64_t received_ns) {
  ASUP_TRY(auto image, images_->resolve(request.image));
  ASUP_TRY(auto config, make_config(request, image));
  auto owned = std::make_unique<Instance>(config);
  Instance& c = *owned;
  c.stages.request = received_ns;
  c.stages.image = monotonic_ns();
  c.dir = fs::join(fs::join(options_.root, "containers"), config.id);
  c.run_dir = fs::join(fs::join(options_.run_root, "containers"), config.id);

  // Everything below is undone if a later step fails.
  struct Undo {
    Engine* self;
    Instance* c;
    bool armed = true;
    ~Undo() {
      if (!armed) return;
      if (c->cgroup) (void)c->cgroup->destroy();
      self->release_network(*c);
      (void)fs::remove_tree(c->dir);
      (void)fs::remove_tree(c->run_dir);
    }
  } undo{this, &c};

  ASUP_TRY(auto layout, prepare_rootfs(c, image));
  c.stages.rootfs = monotonic_ns();

  ASUP_TRY(auto limits, with_device_rules(config.limits, layout.devices));
  ASUP_TRY(c.cgroup, cgroups_->create(config.id, limits));
  c.stages.cgroup = monotonic_ns();
  ASUP_TRY(c.log, logs::ContainerLog::create(config.id, fs::join(c.dir, "log"), config.log_size));

  ASUP_TRY(auto out_pipe, make_pipe());
  ASUP_TRY(auto err_pipe, make_pipe());
  UniqueFd stdin_fd;
  if (config.interactive && client && !request.detach) {
    // The container reads the client's own stdin: same open file, no copy through us.
    ASUP_TRY(auto client_pidfd, client->client_pidfd());
    ASUP_TRY(stdin_fd, sys::pidfd_getfd(client_pidfd, 0));
  } else if (config.interactive) {
    ASUP_TRY(auto in_pipe, make_pipe());
    stdin_fd = std::move(in_pipe.first);
    c.stdin_keepalive = std::move(in_pipe.second);
  }
  ASUP_TRY(auto state_dir, fs::open_fd(c.run_dir, O_PATH | O_DIRECTORY));

  launch::SpawnRequest spawn;
  spawn.init_path = options_.init_path;
  spawn.spec.mode = launch::Mode::Container;
  spawn.spec.rootfs = layout.merged_dir;
  spawn.spec.mounts = launch::build_container_mounts(layout);
  spawn.spec.hostname = config.hostname;
  spawn.spec.argv = config.argv;
  spawn.spec.env = config.env;
  spawn.spec.workdir = config.workdir;
  spawn.spec.user = config.user;
  spawn.stdin_fd = stdin_fd.get();
  spawn.stdout_fd = out_pipe.second.get();
  spawn.stderr_fd = err_pipe.second.get();
  spawn.state_dir_fd = state_dir.get();
  spawn.stdout_hold_fd = out_pipe.first.get();
  spawn.stderr_hold_fd = err_pipe.first.get();
  // asup-init watches asupd through it and keeps the output while asupd is away.
  spawn.daemon_pidfd = daemon_pidfd();
  spawn.spec.log_size = config.log_size;
  spawn.namespaces =
      CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;
  if (config.network_mode == "host") spawn.namespaces &= ~static_cast<std::uint64_t>(CLONE_NEWNET);
  spawn.cgroup_fd = c.cgroup->clone_into_fd();
  if (spawn.cgroup_fd < 0) {
    // v1: init joins its groups only after clone3; it makes its cgroup namespace later.
    spawn.namespaces &= ~static_cast<std::uint64_t>(CLONE_NEWCGROUP);
    spawn.spec.late_cgroup_namespace = true;
  }
  ASUP_TRY(auto spawned, launch::spawn(spawn));
  undo.armed = false;
  c.stages.clone = monotonic_ns();

  c.own_child = true;
  c.state.pid = spawned.pid;
  c.state.pid_start_time = sys::process_start_time(spawned.pid);
  join_and_wire(c, spawned, spawn.cgroup_fd < 0);
  c.barrier = std::move(spawned.barrier);
  c.pending = 4;  // process exit, stdout EOF, stderr EOF, report EOF
  std::string id = config.id;
  c.watch = std::make_unique<loop::PidfdWatch>(loop_.io(), std::move(spawned.pidfd));
  c.watch->start([this, id] { on_process_exit(id); });
  c.report =
      std::make_unique<boost::asio::posix::stream_descriptor>(loop_.io(), spawned.report.release());
  out_pipe.second.reset();
  err_pipe.second.reset();
  if (client && !request.detach) {
    c.log->attach(client);
  } else if (client) {
    c.detached_requester = client;
  }
  containers_.emplace(id, std::move(owned));
  refresh_peer_hosts(c.state.endpoints, &c);
  capture(c, std::move(out_pipe.first), logs::Stream::Stdout);
  capture(c, std::move(err_pipe.first), logs::Stream::Stderr);
  on_report(c);
  return id;
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
          release_barrier(c);
        } else if (line.rfind("started", 0) == 0) {
          c.stages.started = monotonic_ns();
          if (c.detached_requester) {
            c.detached_requester->reply(api::IdResult{id});
            c.detached_requester.reset();
          }
        } else if (line.rfind("error ", 0) == 0) {
          auto space = line.find(' ', 6);
          c.code_from_report = std::atoi(line.substr(6, space - 6).c_str());
          c.state.error = space == std::string::npos ? "" : line.substr(space + 1);
          if (c.detached_requester) {
            c.detached_requester->send_error(*c.code_from_report, c.state.error);
            c.detached_requester.reset();
          }
        }
        on_report(c);
      });
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
  if (auto r = persist_state(c); !r) spdlog::warn("{}", r.error().describe());
}

void Engine::on_process_exit(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  Instance& c = *it->second;
  if (c.exit_seen) return;
  c.exit_seen = true;
  if (!c.own_child) {
    resolve_adopted_exit(id, 0);
    return;
  }
  siginfo_t info{};
  if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(c.watch->fd()), &info,
               WEXITED | WNOHANG) == 0 &&
      info.si_pid != 0)
    c.wait_status_code = code_from_wait(info);
  settle(c);
}

void Engine::settle(Instance& c) {
  if (--c.pending > 0) return;
  finish(c);
}

void Engine::finish(Instance& c) {
  int code = c.wait_status_code;
  std::int64_t finished = now_ns();
  auto record = fs::read_file(fs::join(c.run_dir, launch::kExitFile));
  if (record) {
    auto j = nlohmann::json::parse(record.value(), nullptr, false);
    if (j.is_object()) {
      code = j.value("exit_code", code);
      finished = j.value("finished_at", finished);
    }
  }
  if (code < 0 && c.code_from_report) code = *c.code_from_report;
  if (code < 0) code = 255;  // exited while no asupd watched and left no record
  c.state.status = RunState::Exited;
  c.state.exit_code = code;
  c.state.finished_ns = finished;
  if (c.cgroup) c.state.oom_killed = c.cgroup->oom_killed();
  c.state.pid = 0;
  c.barrier.reset();
  c.stdin_keepalive.reset();
  release_network(c);
  // A --rm container's directory goes next; should asupd stop first, the state it finds
  // (running, its process gone) leads it here again.
  const bool removed_next = c.config.auto_remove && !c.removing;
  if (!removed_next) {
    if (auto r = persist_state(c); !r) spdlog::warn("{}", r.error().describe());
  }
  if (c.cgroup) destroy_cgroup(c.config.id, std::shared_ptr<cgroup::Group>(std::move(c.cgroup)), 0);

  std::string id = c.config.id;
  api::Exit exit{code, std::nullopt};
  if (!c.state.error.empty()) exit.message = c.state.error;
  if (c.detached_requester) {
    if (c.code_from_report)
      c.detached_requester->send_error(code, c.state.error);
    else
      c.detached_requester->reply(api::IdResult{id});
    c.detached_requester.reset();
  }
  c.log->finish(exit);
  auto callbacks = std::move(c.on_finished);
  for (auto& cb : callbacks) cb();
  auto it = containers_.find(id);
  if (it != containers_.end() && it->second->config.auto_remove && !it->second->removing)
    remove_container(id, [](Status) {});
}

void Engine::destroy_cgroup(const std::string& id, std::shared_ptr<cgroup::Group> group,
                            int attempts) {
  // The kernel tears the pid namespace down after PID 1 exits; until the last task is
  // gone rmdir says EBUSY. Retry on a timer instead of blocking the loop.
  auto r = group->destroy();
  if (r) return;
  if (attempts >= 200) {
    spdlog::warn("container {}: {}", id.substr(0, 12), r.error().describe());
    return;
  }
  auto timer =
      std::make_shared<boost::asio::steady_timer>(loop_.io(), std::chrono::milliseconds(10));
  timer->async_wait([this, id, group, timer, attempts](const boost::system::error_code& ec) {
    if (!ec) destroy_cgroup(id, group, attempts + 1);
  });
}

void Engine::remove_container(const std::string& id, std::function<void(Status)> done) {
  auto it = containers_.find(id);
  if (it == containers_.end()) {
    done(ok());
    return;
  }
  Instance& c = *it->second;
  c.removing = true;
  std::string dir = c.dir, run_dir = c.run_dir;
  // The merged dir is only a mount point inside the container's own mount namespace, so
  // nothing is mounted here on the host; the upper dir may be large: off the loop.
  loop_.offload(
      [dir, run_dir]() -> Status {
        ASUP_TRY(fs::remove_tree(run_dir));
        return fs::remove_tree(dir);
      },
      [this, id, done = std::move(done)](Status r) {
        containers_.erase(id);
        done(r);
      });
}

void Engine::load_containers() {
  std::string dir = fs::join(options_.root, "containers");
  auto names = fs::list_dir(dir);
  if (!names) return;
  for (auto& name : names.value()) {
    std::string cdir = fs::join(dir, name);
    auto config_text = fs::read_file(fs::join(cdir, "config.json"));
    if (!config_text) {
      spdlog::warn("skipping {}: no container config", cdir);
      continue;
    }
    auto state_text = fs::read_file(fs::join(cdir, "state.json"));
    auto cj = nlohmann::json::parse(config_text.value(), nullptr, false);
    // No state yet: asupd stopped while starting the container, before it ran.
    auto sj = state_text ? nlohmann::json::parse(state_text.value(), nullptr, false)
                         : nlohmann::json::object();
    if (!cj.is_object() || !sj.is_object()) {
      spdlog::warn("skipping {}: unreadable container state", cdir);
      continue;
    }
    auto config = config_from_json(cj);
    if (config.id != name) continue;
    auto c = std::make_unique<Instance>(config);
    c->state = state_from_json(sj);
    c->dir = cdir;
    c->log = logs::ContainerLog::load(name, fs::join(cdir, "log"), config.log_size,
                                      c->state.status == RunState::Exited);
    c->run_dir = fs::join(fs::join(options_.run_root, "containers"), name);
    // asup-init records the end of every workload that ran, even one whose state asupd
    // died too early to write (the barrier opens just before state.json is written).
    if (!state_text && !fs::exists(fs::join(c->run_dir, launch::kExitFile)))
      c->state.error = "asupd stopped while starting the container";
    Instance& ref = *c;
    containers_.emplace(name, std::move(c));
    adopt(ref);
  }
}

}  // namespace asup::engine
