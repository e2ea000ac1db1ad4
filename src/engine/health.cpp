// Health probes on the loop. Each container with a check has one timer: while no probe
// runs it waits for the next one (Docker's interval, or the start interval while the
// container is starting), while one runs it waits for that probe's timeout. A probe is an
// exec through the same launch path as `exec`, its stdout and stderr one pipe read into a
// bounded buffer; its end (exit, report and output all done) or its timeout records the
// result, persists the state and arms the timer for the next. Docker's rules are in
// health_state.cpp; this file only runs them.
#include "engine/health.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <fstream>
#include <vector>

#include "engine/engine.hpp"
#include "engine/exec_state.hpp"

namespace asup::engine {

struct ProbeRun : std::enable_shared_from_this<ProbeRun> {
  ProbeRun(boost::asio::io_context& io, UniqueFd read_end) : out(io, read_end.release()) {
    boost::system::error_code ec;
    out.non_blocking(true, ec);
  }
  boost::asio::posix::stream_descriptor out;  // the command's stdout and stderr
  std::array<char, 4096> buffer{};
  ProbeOutput output;
  std::int64_t start_ns = 0;
  std::weak_ptr<ExecState> exec;
  bool output_done = false, exec_done = false;
  int code = -1;
  std::string error;               // why the command could not run
  std::function<void()> complete;  // once the exec ended and the output was read out

  void read() {
    out.async_read_some(
        boost::asio::buffer(buffer),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          if (ec) {
            self->output_done = true;
            return self->check();
          }
          self->output.append(std::string_view(self->buffer.data(), n));
          self->read();
        });
  }
  void check() {
    if (!output_done || !exec_done || !complete) return;
    auto done = std::move(complete);
    complete = nullptr;
    done();
  }
  // Past its timeout, or its container stops: the command is killed, with whatever it
  // started (a shell's child would otherwise live on in the container, and pile up with
  // each probe). asup-init (exec mode) forwards signals but cannot forward SIGKILL, so its
  // descendants get it directly; asup-init then exits. Only while asup-init is not reaped
  // is its pid surely its own.
  void abandon() {
    complete = nullptr;
    boost::system::error_code ec;
    out.close(ec);
    auto st = exec.lock();
    if (!st || st->exited || st->pid <= 0) return;
    auto tree = descendants(st->pid);
    for (pid_t p : tree) ::kill(p, SIGKILL);
    if (tree.empty()) ::kill(st->pid, SIGKILL);
  }

  // Every process below `root`, from /proc/PID/task/TID/children (single-threaded
  // processes are the rule here; a thread's children are listed under its own TID).
  static std::vector<pid_t> descendants(pid_t root) {
    std::vector<pid_t> found, todo{root};
    while (!todo.empty() && found.size() < 4096) {
      const pid_t at = todo.back();
      todo.pop_back();
      const std::string task = "/proc/" + std::to_string(at) + "/task/";
      std::ifstream children(task + std::to_string(at) + "/children");
      for (pid_t child; children >> child;) {
        found.push_back(child);
        todo.push_back(child);
      }
    }
    return found;
  }
};

void Engine::health_started(Instance& c) {
  if (!health_policy(c.config.healthcheck)) return;
  if (!c.state.health) c.state.health = Health{};
  restart_health(*c.state.health);
  health_resumed(c);
}

void Engine::health_resumed(Instance& c) {
  auto policy = health_policy(c.config.healthcheck);
  // A container being stopped (a thaw follows the stop signal) gets no more probes.
  if (!policy || c.state.status != RunState::Running || c.exit_on_next) return;
  if (!c.state.health) c.state.health = Health{};
  health_stopped(c);  // never two probes, never two waits
  arm_health_timer(c, next_probe_delay(*c.state.health, *policy, now_ns(), c.state.started_ns),
                   true);
}

void Engine::health_stopped(Instance& c) {
  if (!c.health) return;
  ++c.health->serial;
  c.health->timer.cancel();
  if (auto probe = std::move(c.health->probe)) probe->abandon();
}

void Engine::arm_health_timer(Instance& c, std::int64_t delay_ns, bool probe_due) {
  if (!c.health) c.health = std::make_unique<HealthMonitor>(loop_.io());
  auto& m = *c.health;
  const std::uint64_t serial = ++m.serial;
  m.timer.expires_after(std::chrono::nanoseconds(std::max<std::int64_t>(delay_ns, 0)));
  m.timer.async_wait(
      [this, id = c.config.id, serial, probe_due](const boost::system::error_code& ec) {
        if (ec) return;
        auto it = containers_.find(id);
        if (it == containers_.end() || !it->second->health || it->second->health->serial != serial)
          return;
        if (probe_due)
          run_probe(id);
        else
          probe_timed_out(id);
      });
}

void Engine::run_probe(const std::string& id) {
  Instance& c = *containers_.at(id);
  auto policy = health_policy(c.config.healthcheck);
  if (!policy || !c.state.health) return;
  const std::int64_t start = now_ns();
  auto failed = [&](const std::string& why) { record_health(c, {start, now_ns(), -1, why}); };
  api::ExecRequest req;
  req.id = id;
  req.cmd = policy->argv;
  auto spawn = exec_spawn_request(c, req);
  // A container on its way out gets no probe and no result: its end stops the checks.
  if (!spawn && (!c.running() || c.paused() || c.exit_seen)) return;
  if (!spawn) return failed(spawn.error().message);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return failed("create the probe's output pipe: " + std::string(std::strerror(errno)));
  UniqueFd read_end{fds[0]}, write_end{fds[1]};
  spawn.value().stdout_fd = spawn.value().stderr_fd = write_end.get();
  auto probe = std::make_shared<ProbeRun>(loop_.io(), std::move(read_end));
  probe->start_ns = start;
  auto st = std::make_shared<ExecState>();
  st->on_end = [probe](ExecState& ended) {
    probe->exec_done = true;
    probe->code = ended.code;
    probe->error = ended.error;
    probe->check();
  };
  probe->exec = st;
  probe->complete = [this, id, weak = std::weak_ptr<ProbeRun>(probe)] {
    if (auto p = weak.lock()) probe_finished(id, p);
  };
  auto launched = launch_exec(spawn.value(), st);
  write_end.reset();  // the command holds the only write end: EOF when it is gone
  if (!launched) return failed(launched.error().describe());
  probe->read();
  c.health->probe = probe;
  arm_health_timer(c, policy->timeout, false);
}

void Engine::probe_timed_out(const std::string& id) {
  Instance& c = *containers_.at(id);
  auto policy = health_policy(c.config.healthcheck);
  auto probe = std::move(c.health->probe);
  if (!policy || !probe) return;
  probe->abandon();
  record_health(c, timed_out_probe(*policy, probe->start_ns, now_ns()));
}

void Engine::probe_finished(const std::string& id, const std::shared_ptr<ProbeRun>& probe) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  Instance& c = *it->second;
  if (!c.health || c.health->probe != probe) return;  // stopped or timed out meanwhile
  c.health->probe.reset();
  // Docker: a command that could not be started is a result of -1 with the reason.
  if (!probe->error.empty()) return record_health(c, {probe->start_ns, now_ns(), -1, probe->error});
  record_health(c, {probe->start_ns, now_ns(), probe->code, probe->output.text()});
}

void Engine::record_health(Instance& c, ProbeResult result) {
  auto policy = health_policy(c.config.healthcheck);
  if (!policy || !c.state.health) return;
  const Health before = *c.state.health;
  record_probe(*c.state.health, *policy, std::move(result), c.state.started_ns);
  const Health& now = *c.state.health;
  if (now.status != before.status)
    spdlog::info("container {}: health_status: {}", c.config.id.substr(0, 12),
                 to_string(now.status));
  // state.json (an fsync'ed write) follows the status and the streak, not every probe of
  // a steady container: the log of a healthy one reaches the disk with its next change.
  if (now.status != before.status || now.failing_streak != before.failing_streak)
    if (auto r = persist_state(c); !r) spdlog::warn("{}", r.error().describe());
  arm_health_timer(c, next_probe_delay(*c.state.health, *policy, now_ns(), c.state.started_ns),
                   true);
}

}  // namespace asup::engine
