#include "logs/spool_import.hpp"

namespace asup::logs {

SpoolImport plan_import(const Spooled& spool, const RingBuffer& ring) {
  SpoolImport plan;
  if (ring.end_seq() > ring.first_seq()) {
    const Record& last = ring.at(ring.end_seq() - 1);
    for (std::size_t i = spool.records.size(); i-- > 0;) {
      if (spool.records[i].time_ns == last.time_ns && spool.records[i].stream == last.stream) {
        plan.first = i + 1;
        return plan;
      }
    }
  }
  plan.gap = spool.dropped;
  return plan;
}

}  // namespace asup::logs
