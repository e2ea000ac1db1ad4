// exec: a command started in a running container's namespaces and cgroup, talking to the
// client's own terminal or pipes. asup-init (in exec mode) reports why a command could not
// run on a report pipe; the exit status comes from its pidfd.
#include <fcntl.h>
#include <sys/wait.h>

#include <boost/asio/read_until.hpp>

#include "asup/protocol.hpp"
#include "core/syscalls.hpp"
#include "engine/engine.hpp"
#include "launch/spawner.hpp"

namespace asup::engine {
namespace {

// The command's standard descriptors: the client's own, taken from the client process
// (not a copy through the daemon); stdin is /dev/null unless -i.
Result<std::vector<UniqueFd>> take_client_stdio(api::Caller& caller, bool interactive) {
  ASUP_TRY(int client_pidfd, caller.client_pidfd());
  std::vector<UniqueFd> stdio;
  for (int fd = 0; fd < 3; ++fd) {
    if (fd == 0 && !interactive) {
      stdio.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
      continue;
    }
    ASUP_TRY(auto got, sys::pidfd_getfd(client_pidfd, fd));
    stdio.push_back(std::move(got));
  }
  return stdio;
}

// What becomes of one exec: its exit code once the process ended and its report pipe
// closed, and why it could not run, if asup-init said so.
struct ExecState {
  std::string error;
  int code = -1;
  bool exited = false, report_done = false;
  std::string buffer;
  std::unique_ptr<boost::asio::posix::stream_descriptor> report;

  void read_report(const std::shared_ptr<ExecState>& self, std::function<void()> done) {
    boost::asio::async_read_until(*report, boost::asio::dynamic_buffer(buffer), '\n',
                                  [self, done](const boost::system::error_code& ec, std::size_t n) {
                                    if (ec) {
                                      self->report_done = true;
                                      done();
                                      return;
                                    }
                                    std::string line = self->buffer.substr(0, n - 1);
                                    self->buffer.erase(0, n);
                                    // "error CODE MESSAGE"
                                    if (line.rfind("error ", 0) == 0) {
                                      auto sp = line.find(' ', 6);
                                      if (sp != std::string::npos)
                                        self->error = line.substr(sp + 1);
                                    }
                                    self->read_report(self, done);
                                  });
  }
};

}  // namespace

Result<launch::SpawnRequest> Engine::exec_spawn_request(const Instance& c,
                                                        const api::ExecRequest& req) {
  if (!c.running() || !c.watch || c.exit_seen)
    return fail(EINVAL, "container " + c.config.id.substr(0, 12) + " is not running");
  if (req.cmd.empty()) return fail(EINVAL, "exec: no command given");
  std::string workdir = req.workdir.value_or(c.config.workdir);
  if (workdir.empty() || workdir[0] != '/')
    return fail(EINVAL, "the working directory '" + workdir +
                            "' is invalid, it needs to be an absolute path");
  launch::SpawnRequest spawn;
  spawn.init_path = options_.init_path;
  spawn.spec.mode = launch::Mode::Exec;
  spawn.spec.argv = req.cmd;
  spawn.spec.env = merge_env(c.config.env, req.env);
  spawn.spec.workdir = workdir;
  spawn.spec.user = req.user.value_or(c.config.user);
  spawn.spec.hostname = c.config.hostname;
  spawn.ns_pidfd = c.watch->fd();
  if (c.cgroup) {
    spawn.cgroup_fd = c.cgroup->clone_into_fd();
    if (spawn.cgroup_fd < 0) spawn.spec.cgroup_procs = c.cgroup->procs_files();
  }
  return spawn;
}

void Engine::exec(const CallerPtr& s, const api::ExecRequest& req) {
  // What the request got wrong is said as it is; what the system refused, with its errno.
  auto c = find(req.id);
  if (!c) return s->send_error(protocol::kExitEngineError, c.error().message);
  auto spawn = exec_spawn_request(*c.value(), req);
  if (!spawn) return s->send_error(protocol::kExitEngineError, spawn.error().message);
  auto started = start_exec(s, std::move(spawn).value(), req.interactive);
  if (!started) s->send_error(protocol::kExitEngineError, started.error().describe());
}

Status Engine::start_exec(const CallerPtr& s, launch::SpawnRequest spawn, bool interactive) {
  ASUP_TRY(auto stdio, take_client_stdio(*s, interactive));
  spawn.stdin_fd = stdio[0].get();
  spawn.stdout_fd = stdio[1].get();
  spawn.stderr_fd = stdio[2].get();
  ASUP_TRY(auto spawned, launch::spawn(spawn));

  pid_t pid = spawned.pid;
  auto st = std::make_shared<ExecState>();
  st->report =
      std::make_unique<boost::asio::posix::stream_descriptor>(loop_.io(), spawned.report.release());
  auto done = [this, s, st, pid] {
    if (!st->exited || !st->report_done) return;
    api::Exit exit{st->code, std::nullopt};
    if (!st->error.empty()) exit.message = st->error;
    s->reply(exit);
    execs_.erase(pid);
  };
  st->read_report(st, done);
  auto watch = std::make_unique<loop::PidfdWatch>(loop_.io(), std::move(spawned.pidfd));
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
  s->reply(api::Started{});
  return ok();
}

}  // namespace asup::engine
