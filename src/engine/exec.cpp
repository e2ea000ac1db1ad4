// exec: a command started in a running container's namespaces and cgroup, talking to the
// client's own terminal or pipes. asup-init (in exec mode) reports why a command could not
// run on a report pipe; the exit status comes from its pidfd.
#include <fcntl.h>
#include <sys/wait.h>

#include <boost/asio/read_until.hpp>

#include "asup/protocol.hpp"
#include "core/syscalls.hpp"
#include "engine/engine.hpp"
#include "engine/exec_state.hpp"
#include "engine/naming.hpp"
#include "launch/spawner.hpp"
#include "logs/container_log.hpp"

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
}  // namespace

// An exec's terminal: its master read out to the caller at the caller's pace, and closed
// when the caller goes away, which hangs the terminal up (SIGHUP to the exec'd session):
// no orphan ever reads what the user types.
struct ExecConsole : std::enable_shared_from_this<ExecConsole> {
  ExecConsole(boost::asio::io_context& io, UniqueFd master, std::weak_ptr<api::Caller> caller,
              std::function<void()> ended)
      : desc(io, master.release()), caller(std::move(caller)), ended(std::move(ended)) {
    boost::system::error_code ec;
    desc.non_blocking(true, ec);
  }
  boost::asio::posix::stream_descriptor desc;
  std::weak_ptr<api::Caller> caller;
  std::function<void()> ended;  // the terminal is read to its end (or closed)
  std::vector<char> buffer = std::vector<char>(64 << 10);
  bool reading = false, over = false;

  void read() {
    reading = true;
    desc.async_read_some(
        boost::asio::buffer(buffer),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          self->reading = false;
          // EIO once the command and everything it left are gone: all was read.
          if (ec) return self->finish();
          auto to = self->caller.lock();
          if (!to || to->closed()) return self->finish();
          to->send_output("stdout", now_ns(), std::string_view(self->buffer.data(), n));
          if (to->queued_bytes() < logs::kAttachedBacklog) return self->read();
          to->on_drained([self] { self->read(); });
        });
  }
  void close() {
    boost::system::error_code ec;
    desc.close(ec);
    if (!reading) finish();
  }
  void finish() {
    if (over) return;
    over = true;
    boost::system::error_code ec;
    desc.close(ec);
    ended();
  }
};

Result<launch::SpawnRequest> Engine::exec_spawn_request(const Instance& c,
                                                        const api::ExecRequest& req) {
  if (!c.running() || !c.watch || c.exit_seen)
    return fail(EINVAL, "container " + c.config.id.substr(0, 12) + " is not running");
  if (c.paused())
    return fail(EBUSY,
                "Container " + c.config.id + " is paused, unpause the container before exec");
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
  // Docker's exec inherits the container's capabilities, seccomp, no_new_privs, groups
  // and rlimits.
  ASUP_TRY(apply_security(c.config.security, options_.no_new_privileges, spawn.spec));
  spawn.spec.tty = req.tty;
  spawn.spec.tty_rows = req.tty_rows;
  spawn.spec.tty_cols = req.tty_cols;
  if (req.tty && std::none_of(spawn.spec.env.begin(), spawn.spec.env.end(),
                              [](const std::string& e) { return e.rfind("TERM=", 0) == 0; }))
    spawn.spec.env.push_back("TERM=xterm");
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
  auto started = start_exec(s, std::move(spawn).value(), req);
  if (!started) s->send_error(protocol::kExitEngineError, started.error().describe());
}

Status Engine::start_exec(const CallerPtr& s, launch::SpawnRequest spawn,
                          const api::ExecRequest& req) {
  // With a terminal the command's stdio is its pty; without, the client's own descriptors.
  std::vector<UniqueFd> stdio;
  if (!req.tty) {
    ASUP_TRY(stdio, take_client_stdio(*s, req.interactive));
    spawn.stdin_fd = stdio[0].get();
    spawn.stdout_fd = stdio[1].get();
    spawn.stderr_fd = stdio[2].get();
  }
  const std::string exec_id = req.tty ? new_container_id() : "";
  auto st = std::make_shared<ExecState>();
  st->on_end = [this, s, exec_id](ExecState& ended) {
    api::Exit exit{ended.code, std::nullopt};
    if (!ended.error.empty()) exit.message = ended.error;
    s->reply(exit);
    if (!exec_id.empty()) exec_consoles_.erase(exec_id);
  };
  st->on_console = [this, s, exec_id](const std::shared_ptr<ExecState>& st, int init_pidfd) {
    auto taken =
        attach_exec_console(s, *st, init_pidfd, exec_id, [this, st] { exec_progress(st); });
    if (!taken) st->error = taken.error().describe();
    // Opened either way: without a master asup-init's command has no terminal, and it
    // fails on its own; with it, the command starts.
    char go = 1;
    if (st->barrier) (void)!::write(st->barrier.get(), &go, 1);
    st->barrier.reset();
  };
  ASUP_TRY(launch_exec(spawn, st));
  api::Started started;
  if (!exec_id.empty()) started.exec = exec_id;
  s->reply(started);
  return ok();
}

Result<pid_t> Engine::launch_exec(const launch::SpawnRequest& spawn,
                                  const std::shared_ptr<ExecState>& st) {
  ASUP_TRY(auto spawned, launch::spawn(spawn));
  const pid_t pid = spawned.pid;
  st->report =
      std::make_unique<boost::asio::posix::stream_descriptor>(loop_.io(), spawned.report.release());
  st->barrier = std::move(spawned.barrier);
  st->pid = pid;
  auto watch = std::make_unique<loop::PidfdWatch>(loop_.io(), std::move(spawned.pidfd));
  auto* w = watch.get();
  // The watch lives until the end (exec_progress erases it), so the report's reader may
  // use its pidfd.
  st->read_report(
      st, [this, st] { exec_progress(st); },
      [st, w] {
        if (st->on_console) st->on_console(st, w->fd());
      });
  execs_[pid] = std::move(watch);
  w->start([this, st, w] {
    siginfo_t info{};
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(w->fd()), &info,
                 WEXITED | WNOHANG) == 0 &&
        info.si_pid != 0)
      st->code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
    st->exited = true;
    exec_progress(st);
  });
  return pid;
}

// `st` is a copy: erasing the watch below may destroy the caller's.
void Engine::exec_progress(std::shared_ptr<ExecState> st) {
  if (!st->over() || st->ended) return;
  st->ended = true;
  if (st->on_end) st->on_end(*st);
  execs_.erase(st->pid);
  // What was set up for it goes: the terminal's reader held the state (a cycle).
  st->on_end = nullptr;
  st->on_console = nullptr;
  st->console.reset();
}

Status Engine::attach_exec_console(const CallerPtr& s, ExecState& st, int init_pidfd,
                                   const std::string& exec_id, std::function<void()> done) {
  ASUP_TRY(auto master, launch::take_console(init_pidfd));
  UniqueFd writer{::fcntl(master.get(), F_DUPFD_CLOEXEC, 0)};
  if (!writer) return fail_errno("duplicate the terminal's master");
  auto input = std::make_shared<StdinWriter>(loop_.io(), std::move(writer), "exec " + exec_id);
  exec_consoles_[exec_id] = input;
  st.console_done = false;
  auto* state = &st;
  st.console = std::make_shared<ExecConsole>(loop_.io(), std::move(master), s, [state, done] {
    state->console_done = true;
    done();
  });
  st.console->read();
  // The caller gone, the terminal hangs up: asupd holds the only master.
  s->on_close([console = std::weak_ptr<ExecConsole>(st.console), input] {
    input->close();
    if (auto c = console.lock()) c->close();
  });
  return ok();
}

}  // namespace asup::engine
