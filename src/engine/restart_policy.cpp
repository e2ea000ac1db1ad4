// Restart policies (--restart), with Docker's semantics: after an exit the policy decides;
// the wait before the start doubles from 100 ms up to a minute and falls back to 100 ms once
// a run lasted 10 s; a stop (or a kill with the stop signal or SIGKILL) ends the run for
// good; `unless-stopped` stays down after a stop even across asupd restarts, `always` does
// not. A restart keeps the container: id, name, filesystem, log, address where still free.
#include <spdlog/spdlog.h>

#include "engine/engine.hpp"

namespace asup::engine {
namespace {

using Mode = api::RestartPolicy::Mode;
constexpr std::chrono::milliseconds kFirstDelay{100};
constexpr std::chrono::milliseconds kMaxDelay{60'000};
constexpr std::int64_t kResetAfterNs = 10'000'000'000;

}  // namespace

bool Engine::wants_restart(const Instance& c) const {
  // A workload that never ran (no such command, a failed start) is not restarted: a
  // policy takes effect only after a successful start.
  if (c.exit_on_next || c.config.auto_remove || c.code_from_report) return false;
  const auto& policy = c.config.restart;
  switch (policy.mode) {
    case Mode::Always:
      return true;
    case Mode::UnlessStopped:
      return !c.state.manually_stopped;
    case Mode::OnFailure:
      return c.state.exit_code != 0 &&
             (policy.max_retries == 0 || c.state.restart_count < policy.max_retries);
    case Mode::No:
      break;
  }
  return false;
}

void Engine::schedule_restart(Instance& c) {
  if (c.state.finished_ns - c.state.started_ns >= kResetAfterNs)
    c.restart_delay = std::chrono::milliseconds{0};
  c.restart_delay =
      c.restart_delay.count() == 0 ? kFirstDelay : std::min(c.restart_delay * 2, kMaxDelay);
  c.state.status = RunState::Restarting;
  ++c.state.restart_count;
  if (auto r = persist_state(c); !r) spdlog::warn("{}", r.error().describe());
  c.restart_timer = std::make_unique<boost::asio::steady_timer>(loop_.io(), c.restart_delay);
  c.restart_timer->async_wait([this, id = c.config.id](const boost::system::error_code& ec) {
    if (ec) return;
    after_teardown(id, [this, id] {
      auto it = containers_.find(id);
      if (it == containers_.end() || it->second->removing || !it->second->restarting()) return;
      Instance& c = *it->second;
      if (auto r = start_container(c, StartOptions{}); !r) {
        // As Docker: a restart that cannot start leaves the container exited, no retry.
        spdlog::warn("container {}: restart: {}", id.substr(0, 12), r.error().describe());
        c.state.status = RunState::Exited;
        c.state.error = r.error().describe();
        (void)persist_state(c);
      }
    });
  });
}

bool Engine::cancel_restart(Instance& c) {
  if (!c.restarting()) return false;
  if (c.restart_timer) c.restart_timer->cancel();
  c.restart_timer.reset();
  c.state.status = RunState::Exited;
  if (auto r = persist_state(c); !r) spdlog::warn("{}", r.error().describe());
  // Who waits for its next exit has nothing more to wait for.
  auto callbacks = std::move(c.on_finished);
  c.on_finished.clear();
  for (auto& cb : callbacks) cb();
  return true;
}

void Engine::restart_after_load() {
  for (auto& [id, owned] : containers_) {
    Instance& c = *owned;
    if (c.restarting()) {
      // The wait asupd's end cut short (one that ended while asupd was away and was
      // found so has its timer already): the same restart, not another.
      if (c.restart_timer) continue;
      --c.state.restart_count;
      schedule_restart(c);
      continue;
    }
    if (!c.at_rest() || c.state.status != RunState::Exited) continue;
    // Docker's daemon start: `always` comes back even after a stop, `unless-stopped`
    // unless stopped, `on-failure` never on its own (it had its chances).
    const auto mode = c.config.restart.mode;
    if (mode == Mode::Always || (mode == Mode::UnlessStopped && !c.state.manually_stopped)) {
      c.state.status = RunState::Restarting;
      after_teardown(id, [this, id = id] {
        auto it = containers_.find(id);
        if (it == containers_.end() || !it->second->restarting()) return;
        if (auto r = start_container(*it->second, StartOptions{}); !r) {
          spdlog::warn("container {}: start: {}", id.substr(0, 12), r.error().describe());
          it->second->state.error = r.error().describe();
          cancel_restart(*it->second);
        }
      });
    }
  }
}

void Engine::after_teardown(const std::string& id, std::function<void()> fn) {
  auto it = teardowns_.find(id);
  if (it == teardowns_.end()) {
    fn();
    return;
  }
  it->second.push_back(std::move(fn));
}

}  // namespace asup::engine
