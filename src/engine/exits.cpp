// A container's end: its process exits (or, re-adopted, is found gone), its output pipes
// and its report pipe reach EOF; once all four are in, finish() records the exit code
// (asup-init's exit.json first), releases the network and the cgroup, answers whoever
// waits, and removes a --rm container.
#include <sys/wait.h>

#include <spdlog/spdlog.h>
#include <chrono>

#include "core/fs.hpp"
#include "engine/engine.hpp"
#include "launch/spawner.hpp"

namespace asup::engine {
namespace {

int code_from_wait(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return info.si_status;
  return 128 + info.si_status;
}

}  // namespace

void Engine::on_process_exit(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  Instance& c = *it->second;
  if (c.exit_seen) return;
  c.exit_seen = true;
  // Without a pid namespace of its own, init's end takes nothing with it: what the
  // workload left runs on in the host's (or another container's) namespace, holding the
  // output pipes open. Docker's runtime kills the whole group then; so does asupd.
  if (c.cgroup && !c.config.namespaces.pid_mode.empty()) (void)c.cgroup->kill_all();
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
  c.launched = false;
  health_stopped(c);
  c.state.exit_code = code;
  c.state.finished_ns = finished;
  c.state.starting = false;
  if (c.cgroup) c.state.oom_killed = c.cgroup->oom_killed();
  c.state.pid = 0;
  c.barrier.reset();
  if (c.stdin_writer) c.stdin_writer->close();
  c.stdin_writer.reset();
  release_network(c);
  // Its policy may bring it back (restart_policy.cpp): Restarting until then.
  const bool again = !c.removing && wants_restart(c);
  c.state.status = again ? RunState::Restarting : RunState::Exited;
  // A --rm container's directory goes next; should asupd stop first, the state it finds
  // (running, its process gone) leads it here again.
  const bool removed_next = c.config.auto_remove && !c.removing;
  if (!removed_next) {
    if (auto r = persist_state(c); !r) spdlog::warn("{}", r.error().describe());
  }
  release_shared_shm(c);
  if (c.cgroup) destroy_cgroup(c.config.id, std::shared_ptr<cgroup::Group>(std::move(c.cgroup)), 0);

  std::string id = c.config.id;
  api::Exit exit{code, std::nullopt};
  if (!c.state.error.empty()) exit.message = c.state.error;
  // Never got as far as the workload's execve: whoever waits for that hears why.
  if (!c.on_started.empty())
    tell_started(c, c.code_from_report ? std::optional<api::Exit>(api::Exit{code, c.state.error})
                                       : std::nullopt);
  c.log->finish(exit);
  auto callbacks = std::move(c.on_finished);
  c.on_finished.clear();
  for (auto& cb : callbacks) cb();
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  if (it->second->config.auto_remove && !it->second->removing) {
    remove_container(id, [](Status) {});
  } else if (it->second->restarting()) {
    schedule_restart(*it->second);
  }
}

void Engine::destroy_cgroup(const std::string& id, std::shared_ptr<cgroup::Group> group,
                            int attempts) {
  // The kernel tears the pid namespace down after PID 1 exits; until the last task is
  // gone rmdir says EBUSY. Retry on a timer instead of blocking the loop. A next run of
  // the container waits (after_teardown): its group has the same path.
  auto r = group->destroy();
  if (!r && attempts < 200) {
    teardowns_.try_emplace(id);
    auto timer =
        std::make_shared<boost::asio::steady_timer>(loop_.io(), std::chrono::milliseconds(10));
    timer->async_wait([this, id, group, timer, attempts](const boost::system::error_code& ec) {
      if (!ec) destroy_cgroup(id, group, attempts + 1);
    });
    return;
  }
  if (!r) spdlog::warn("container {}: {}", id.substr(0, 12), r.error().describe());
  auto waiting = teardowns_.extract(id);
  if (!waiting) return;
  for (auto& fn : waiting.mapped()) fn();
}

}  // namespace asup::engine
