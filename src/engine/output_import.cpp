// Output asup-init kept while no asupd read the pipes (launch/output_spool.hpp) joins the
// container's log after everything the log already holds, each record with the time init
// read it, and reaches live followers like any other output. Then the spool goes.
#include <spdlog/spdlog.h>

#include "core/fs.hpp"
#include "engine/engine.hpp"
#include "launch/output_spool.hpp"
#include "logs/spool_import.hpp"

namespace asup::engine {

void Engine::import_spool(Instance& c) {
  auto spool = launch::spool::read(c.run_dir);
  if (!spool) {
    spdlog::warn("container {}: {}", c.config.id.substr(0, 12), spool.error().describe());
    return;
  }
  auto contents = std::move(spool).value();
  if (contents.empty()) return;
  ensure_ring_loaded(c);
  // A container that ended while asupd was away has no ring file open.
  const bool opened_here = !c.ring_file;
  if (opened_here) {
    auto rf = logs::RingFile::open(fs::join(c.dir, "log"), c.config.log_size);
    if (rf)
      c.ring_file.emplace(std::move(rf).value());
    else
      spdlog::warn("container {}: {}", c.config.id.substr(0, 12), rf.error().describe());
  }
  logs::Spooled spooled{{}, contents.dropped};
  spooled.records.reserve(contents.records.size());
  for (auto& r : contents.records)
    spooled.records.push_back({r.time_ns, static_cast<logs::Stream>(r.stream), std::move(r.bytes)});
  const logs::SpoolImport plan = logs::plan_import(spooled, c.ring);
  if (plan.gap > 0) {
    // The spool lost its oldest bytes: a gap after all the log holds. What the spool kept
    // is at least a ring's worth, so the ring's older records would go anyway; they go
    // now, counted with the gap, and the ring stays one unbroken run of output.
    if (c.ring_file) (void)c.ring_file->add_dropped(plan.gap);
    c.ring.restore({}, c.ring.dropped_bytes() + c.ring.size_bytes() + plan.gap);
  }
  for (std::size_t i = plan.first; i < spooled.records.size(); ++i) {
    const logs::Record& r = spooled.records[i];
    append_output(c, r.stream, r.bytes, r.time_ns);
  }
  if (opened_here) c.ring_file.reset();
  launch::spool::remove(c.run_dir);
}

}  // namespace asup::engine
