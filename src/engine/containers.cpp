// Containers on disk: state.json written as a container's state changes, the directories
// removed with it, and every container found again when asupd starts (then re-adopted).
#include <spdlog/spdlog.h>
#include <chrono>

#include "core/fs.hpp"
#include "engine/engine.hpp"
#include "launch/spawner.hpp"

namespace asup::engine {

Status Engine::persist_state(Instance& c) {
  // A ring not read back since the restart knows nothing of what was dropped before.
  if (auto dropped = c.log->dropped_bytes()) c.state.log_dropped_bytes = *dropped;
  return fs::write_file_atomic(fs::join(c.dir, "state.json"),
                               to_json(c.state, c.attachment).dump());
}

std::int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Engine::remove_container(const std::string& id, std::function<void(Status)> done,
                              bool remove_volumes) {
  auto it = containers_.find(id);
  if (it == containers_.end()) {
    done(ok());
    return;
  }
  Instance& c = *it->second;
  c.removing = true;
  std::string dir = c.dir, run_dir = c.run_dir;
  // Docker's --rm removes the anonymous volumes as rm -v does; named ones stay.
  drop_volumes(c.config, remove_volumes || c.config.auto_remove);
  release_shared_shm(c);  // a container that never ran since asupd started may hold it
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
    c->dir = cdir;
    c->run_dir = fs::join(fs::join(options_.run_root, "containers"), name);
    c->attachment = attachment_for(config, c->run_dir);
    c->state = state_from_json(sj, c->attachment);
    c->log = logs::ContainerLog::load(name, fs::join(cdir, "log"), config.log_size, !c->running());
    // A start cut short: no state yet (a run's first start) or one saying so. asup-init
    // records the end of every workload that ran, even one whose state asupd died too
    // early to write (the barrier opens just before state.json is written).
    const bool cut_short = !state_text || c->state.starting;
    if (cut_short) c->state.status = RunState::Created;
    if (cut_short && !fs::exists(fs::join(c->run_dir, launch::kExitFile)))
      c->state.error = "asupd stopped while starting the container";
    c->launched = cut_short || c->running();
    Instance& ref = *c;
    containers_.emplace(name, std::move(c));
    reacquire_volumes(ref.config);
    adopt(ref);
  }
}

}  // namespace asup::engine
