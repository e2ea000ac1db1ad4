// The engine's side of container output (the log itself is logs::ContainerLog): the
// pipes it reads settle the container at EOF, and the output asup-init kept in its spool
// while no asupd read them joins the log before they are read again.
#include <spdlog/spdlog.h>

#include "engine/engine.hpp"
#include "launch/output_spool.hpp"

namespace asup::engine {

void Engine::capture(Instance& c, UniqueFd read_end, logs::Stream stream) {
  captures_.start(c.log, std::move(read_end), stream, [this, id = c.config.id] {
    // EOF: every writer (the workload, asup-init) is gone.
    if (auto it = containers_.find(id); it != containers_.end()) settle(*it->second);
  });
}

void Engine::import_spool(Instance& c) {
  auto spool = launch::spool::read(c.run_dir);
  if (!spool) {
    spdlog::warn("container {}: {}", c.config.id.substr(0, 12), spool.error().describe());
    return;
  }
  auto contents = std::move(spool).value();
  if (contents.empty()) return;
  logs::Spooled spooled{{}, contents.dropped};
  spooled.records.reserve(contents.records.size());
  for (auto& r : contents.records)
    spooled.records.push_back({r.time_ns, static_cast<logs::Stream>(r.stream), std::move(r.bytes)});
  c.log->import_spool(spooled);
  launch::spool::remove(c.run_dir);
}

}  // namespace asup::engine
