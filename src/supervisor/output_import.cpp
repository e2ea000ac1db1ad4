// Output asup-init kept while no asupd read the pipes (launch/output_spool.hpp) joins the
// container's log after everything the log already holds, each record with the time init
// read it, and reaches live followers like any other output. Then the spool goes.
#include <spdlog/spdlog.h>

#include "core/fs.hpp"
#include "launch/output_spool.hpp"
#include "supervisor/supervisor.hpp"

namespace asup::supervisor {
namespace {

// Where to start in the spool: an import cut short by asupd's death left the records it
// took at the end of the log, so everything up to the one the log ends with is skipped.
// (Times are the nanoseconds init read each chunk at: no two records share one.)
std::size_t first_new(const std::vector<launch::spool::Record>& records,
                      const logs::RingBuffer& ring) {
  if (ring.end_seq() == ring.first_seq()) return 0;
  const logs::Record& last = ring.at(ring.end_seq() - 1);
  for (std::size_t i = records.size(); i-- > 0;) {
    if (records[i].time_ns == last.time_ns &&
        records[i].stream == static_cast<std::uint8_t>(last.stream))
      return i + 1;
  }
  return 0;
}

}  // namespace

void Supervisor::import_spool(Instance& c) {
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
  const std::size_t first = first_new(contents.records, c.ring);
  if (contents.dropped > 0 && first == 0) {
    // The spool lost its oldest bytes: a gap after all the log holds. What the spool kept
    // is at least a ring's worth, so the ring's older records would go anyway; they go
    // now, counted with the gap, and the ring stays one unbroken run of output.
    if (c.ring_file) (void)c.ring_file->add_dropped(contents.dropped);
    c.ring.restore({}, c.ring.dropped_bytes() + c.ring.size_bytes() + contents.dropped);
  }
  for (std::size_t i = first; i < contents.records.size(); ++i) {
    const auto& r = contents.records[i];
    append_output(c, static_cast<logs::Stream>(r.stream), r.bytes, r.time_ns);
  }
  if (opened_here) c.ring_file.reset();
  launch::spool::remove(c.run_dir);
}

}  // namespace asup::supervisor
