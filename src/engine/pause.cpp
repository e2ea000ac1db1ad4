// pause and unpause: the container's cgroup frozen and thawed (cgroup/freezer.hpp). The
// state says "paused" while frozen, persisted so an asupd restart finds it so.
#include <spdlog/spdlog.h>

#include "engine/engine.hpp"

namespace asup::engine {

void Engine::pause(const CallerPtr& s, const api::PauseRequest& req) {
  for_each_named(s, req.ids, [this](Instance& c, Reporter report) {
    const std::string& id = c.config.id;
    if (c.restarting())
      return report(api::Outcome::failure(
          "", "Container " + id + " is restarting, wait until the container is running"));
    if (!c.running() || !c.cgroup || !c.watch || c.exit_seen)
      return report(api::Outcome::failure("", "Container " + id + " is not running"));
    if (c.paused())
      return report(api::Outcome::failure("", "Container " + id + " is already paused"));
    if (auto r = c.cgroup->freeze(); !r)
      return report(api::Outcome::failure("", r.error().describe()));
    c.state.status = RunState::Paused;
    health_stopped(c);  // Docker skips the probes of a paused container
    if (auto r = persist_state(c); !r) spdlog::warn("{}", r.error().describe());
    report(api::Outcome{});
  });
}

void Engine::unpause(const CallerPtr& s, const api::UnpauseRequest& req) {
  for_each_named(s, req.ids, [this](Instance& c, Reporter report) {
    if (!c.paused())
      return report(api::Outcome::failure("", "Container " + c.config.id + " is not paused"));
    if (!thaw(c))
      return report(api::Outcome::failure("", "Cannot unpause container " + c.config.id));
    report(api::Outcome{});
  });
}

bool Engine::thaw(Instance& c) {
  if (!c.cgroup) return false;
  if (auto r = c.cgroup->thaw(); !r) {
    spdlog::warn("container {}: {}", c.config.id.substr(0, 12), r.error().describe());
    return false;
  }
  c.state.status = RunState::Running;
  health_resumed(c);
  if (auto r = persist_state(c); !r) spdlog::warn("{}", r.error().describe());
  return true;
}

}  // namespace asup::engine
