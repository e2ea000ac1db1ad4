// Requests that act on containers: run, logs, exec, stop, kill, rm, wait.
#include <fcntl.h>
#include <sys/wait.h>

#include <spdlog/spdlog.h>
#include <boost/asio/read_until.hpp>

#include "asup/protocol.hpp"
#include "core/fs.hpp"
#include "core/syscalls.hpp"
#include "launch/spawner.hpp"
#include "supervisor/signals.hpp"
#include "supervisor/supervisor.hpp"

namespace asup::supervisor {
namespace {

// Collects one outcome per container and replies once every one is in.
// Results keep the order the user named the containers in.
struct BatchReply {
  BatchReply(SessionPtr s, std::size_t n)
      : session(std::move(s)), results(n, nlohmann::json::object()), outstanding(n) {}
  SessionPtr session;
  std::vector<nlohmann::json> results;
  std::size_t outstanding;

  void add(std::size_t index, nlohmann::json item) {
    results[index] = std::move(item);
    if (--outstanding == 0) session->send({{"type", "result"}, {"results", results}});
  }
};

std::vector<std::string> ids_of(const nlohmann::json& req) {
  return req.value("ids", std::vector<std::string>{});
}

}  // namespace

void Supervisor::op_run(const SessionPtr& s, const nlohmann::json& req) {
  std::int64_t received = monotonic_ns();
  auto request = parse_run_request(req);
  if (!request) {
    s->send_error(protocol::kExitEngineError, request.error().message);
    return;
  }
  // Tells `asupctl run --pull missing` to pull and ask again.
  if (auto image = images_->resolve(request.value().image); !image) {
    s->send({{"type", "error"},
             {"exit", protocol::kExitEngineError},
             {"message", image.error().describe()},
             {"no_such_image", true}});
    return;
  }
  auto id = create_and_start(request.value(), s, received);
  if (!id) {
    s->send_error(protocol::kExitEngineError, id.error().describe());
    return;
  }
  s->send({{"type", "created"}, {"id", id.value()}});
  if (!request.value().detach) {
    s->on_close([this, cid = id.value(), serial = s->serial()] { drop_follower(cid, serial); });
  }
}

void Supervisor::op_logs(const SessionPtr& s, const nlohmann::json& req) {
  auto found = find(req.value("id", ""));
  if (!found) {
    s->send_error(1, found.error().message);
    return;
  }
  send_ring(*found.value(), s, req.value("tail", -1L), req.value("follow", false));
}

Status Supervisor::signal(Instance& c, int sig) {
  if (!c.watch || c.exit_seen)
    return fail(EINVAL, "container " + c.config.id.substr(0, 12) + " is not running");
  if (sig == SIGKILL) c.sigkill_sent = true;
  return sys::pidfd_send_signal(c.watch->fd(), sig);
}

void Supervisor::op_kill(const SessionPtr& s, const nlohmann::json& req) {
  auto sig = parse_signal(req.value("signal", "KILL"));
  if (!sig) {
    s->send_error(1, sig.error().message);
    return;
  }
  nlohmann::json results = nlohmann::json::array();
  for (auto& q : ids_of(req)) {
    auto c = find(q);
    if (!c) {
      results.push_back({{"name", q}, {"error", c.error().message}});
      continue;
    }
    if (!c.value()->running()) {
      results.push_back({{"name", q},
                         {"error", "cannot kill container: " + q + ": container " +
                                       c.value()->config.id.substr(0, 12) + " is not running"}});
      continue;
    }
    auto r = signal(*c.value(), sig.value());
    if (!r)
      results.push_back({{"name", q}, {"error", r.error().describe()}});
    else
      results.push_back({{"name", q}});
  }
  s->send({{"type", "result"}, {"results", results}});
}

void Supervisor::for_each_named(const SessionPtr& s, const nlohmann::json& req,
                                const std::function<void(Instance&, Reporter)>& act) {
  auto ids = ids_of(req);
  if (ids.empty()) {
    s->send({{"type", "result"}, {"results", nlohmann::json::array()}});
    return;
  }
  auto batch = std::make_shared<BatchReply>(s, ids.size());
  for (std::size_t index = 0; index < ids.size(); ++index) {
    Reporter report = [batch, index, name = ids[index]](nlohmann::json item) {
      item["name"] = name;
      batch->add(index, std::move(item));
    };
    auto found = find(ids[index]);
    if (!found)
      report({{"error", found.error().message}});
    else
      act(*found.value(), std::move(report));
  }
}

void Supervisor::op_stop(const SessionPtr& s, const nlohmann::json& req) {
  int timeout = req.value("timeout", 10);
  for_each_named(s, req, [this, timeout](Instance& c, Reporter report) {
    if (!c.watch || c.exit_seen) {
      report({});
      return;
    }
    int sig = SIGTERM;
    if (!c.config.stop_signal.empty()) {
      if (auto parsed = parse_signal(c.config.stop_signal)) sig = parsed.value();
    }
    when_finished(c, [report] { report({}); });
    (void)signal(c, timeout <= 0 ? SIGKILL : sig);
    if (timeout <= 0) return;
    c.kill_timer =
        std::make_unique<boost::asio::steady_timer>(loop_.io(), std::chrono::seconds(timeout));
    std::string id = c.config.id;
    c.kill_timer->async_wait([this, id](const boost::system::error_code& ec) {
      if (ec) return;
      auto it = containers_.find(id);
      if (it != containers_.end() && !it->second->exit_seen) (void)signal(*it->second, SIGKILL);
    });
    when_finished(c, [this, id] {
      auto it = containers_.find(id);
      if (it != containers_.end() && it->second->kill_timer) it->second->kill_timer->cancel();
    });
  });
}

void Supervisor::op_rm(const SessionPtr& s, const nlohmann::json& req) {
  bool force = req.value("force", false);
  for_each_named(s, req, [this, force](Instance& c, Reporter report) {
    auto remove = [this, report, id = c.config.id] {
      remove_container(id, [report](Status r) {
        report(r ? nlohmann::json::object() : nlohmann::json{{"error", r.error().describe()}});
      });
    };
    if (c.finished()) {
      remove();
      return;
    }
    if (!force) {
      report({{"error", "cannot remove container \"" + c.config.name +
                            "\": container is running: stop the container before removing or "
                            "force remove"}});
      return;
    }
    c.removing = true;  // hidden from lookups; --rm must not remove it a second time
    when_finished(c, remove);
    (void)signal(c, SIGKILL);
  });
}

void Supervisor::op_wait(const SessionPtr& s, const nlohmann::json& req) {
  for_each_named(s, req, [this](Instance& c, Reporter report) {
    when_finished(c, [this, report, id = c.config.id] {
      auto it = containers_.find(id);
      report({{"exit_code", it == containers_.end() ? 0 : it->second->state.exit_code}});
    });
  });
}

void Supervisor::op_exec(const SessionPtr& s, const nlohmann::json& req) {
  auto found = find(req.value("id", ""));
  if (!found) {
    s->send_error(protocol::kExitEngineError, found.error().message);
    return;
  }
  Instance& c = *found.value();
  if (!c.running() || !c.watch || c.exit_seen) {
    s->send_error(protocol::kExitEngineError,
                  "container " + c.config.id.substr(0, 12) + " is not running");
    return;
  }
  auto cmd = req.value("cmd", std::vector<std::string>{});
  if (cmd.empty()) {
    s->send_error(protocol::kExitEngineError, "exec: no command given");
    return;
  }
  std::string workdir = req.value("workdir", c.config.workdir);
  if (workdir.empty() || workdir[0] != '/') {
    s->send_error(protocol::kExitEngineError, "the working directory '" + workdir +
                                                  "' is invalid, it needs to be an absolute path");
    return;
  }
  auto client_pidfd = s->client_pidfd();
  if (!client_pidfd) {
    s->send_error(protocol::kExitEngineError, client_pidfd.error().describe());
    return;
  }
  // The command talks to the client's own terminal or pipes: its descriptors, taken from
  // the client process, not a copy through the daemon.
  std::vector<UniqueFd> stdio;
  for (int fd = 0; fd < 3; ++fd) {
    if (fd == 0 && !req.value("interactive", false)) {
      stdio.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
      continue;
    }
    auto got = sys::pidfd_getfd(client_pidfd.value(), fd);
    if (!got) {
      s->send_error(protocol::kExitEngineError, got.error().describe());
      return;
    }
    stdio.push_back(std::move(got).value());
  }
  launch::SpawnRequest spawn;
  spawn.init_path = options_.init_path;
  spawn.spec.mode = launch::Mode::Exec;
  spawn.spec.argv = cmd;
  spawn.spec.env = merge_env(c.config.env, req.value("env", std::vector<std::string>{}));
  spawn.spec.workdir = workdir;
  spawn.spec.user = req.contains("user") && req["user"].is_string() ? req["user"].get<std::string>()
                                                                    : c.config.user;
  spawn.spec.hostname = c.config.hostname;
  spawn.stdin_fd = stdio[0].get();
  spawn.stdout_fd = stdio[1].get();
  spawn.stderr_fd = stdio[2].get();
  spawn.ns_pidfd = c.watch->fd();
  if (c.cgroup) {
    spawn.cgroup_fd = c.cgroup->clone_into_fd();
    if (spawn.cgroup_fd < 0) spawn.spec.cgroup_procs = c.cgroup->procs_files();
  }
  auto spawned = launch::spawn(spawn);
  if (!spawned) {
    s->send_error(protocol::kExitEngineError, spawned.error().describe());
    return;
  }
  pid_t pid = spawned.value().pid;
  struct ExecState {
    std::string error;
    int code = -1;
    bool exited = false, report_done = false;
    std::string buffer;
    std::unique_ptr<boost::asio::posix::stream_descriptor> report;
  };
  auto st = std::make_shared<ExecState>();
  st->report = std::make_unique<boost::asio::posix::stream_descriptor>(
      loop_.io(), spawned.value().report.release());
  auto done = [this, s, st, pid] {
    if (!st->exited || !st->report_done) return;
    nlohmann::json msg{{"type", "exit"}, {"exit_code", st->code}};
    if (!st->error.empty()) msg["message"] = st->error;
    s->send(msg);
    execs_.erase(pid);
  };
  auto read_report = std::make_shared<std::function<void()>>();
  *read_report = [st, done, read_report] {
    boost::asio::async_read_until(
        *st->report, boost::asio::dynamic_buffer(st->buffer), '\n',
        [st, done, read_report](const boost::system::error_code& ec, std::size_t n) {
          if (ec) {
            st->report_done = true;
            *read_report = nullptr;
            done();
            return;
          }
          std::string line = st->buffer.substr(0, n - 1);
          st->buffer.erase(0, n);
          if (line.rfind("error ", 0) == 0) {
            auto sp = line.find(' ', 6);
            if (sp != std::string::npos) st->error = line.substr(sp + 1);
          }
          (*read_report)();
        });
  };
  (*read_report)();
  auto watch = std::make_unique<loop::PidfdWatch>(loop_.io(), std::move(spawned.value().pidfd));
  auto* w = watch.get();
  execs_[pid] = std::move(watch);
  w->start([st, w, done] {
    siginfo_t info{};
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(w->fd()), &info,
                 WEXITED | WNOHANG) == 0 &&
        info.si_pid != 0)
      st->code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
    st->exited = true;
    done();
  });
  s->send({{"type", "started"}});
}

}  // namespace asup::supervisor
