// What of asup-init's output spool joins a container's log: the plan, kept apart from the
// Engine so it can be checked without one.
#pragma once

#include <cstddef>
#include <cstdint>

#include "launch/output_spool.hpp"
#include "logs/ring_buffer.hpp"

namespace asup::engine {

struct SpoolImport {
  std::size_t first = 0;  // the first spool record to append
  std::uint64_t gap = 0;  // bytes the spool lost, to count as dropped before that record
};

// For a log that currently ends as `ring` does. An import cut short by asupd's death left
// the records it took at the end of the log: the plan starts after the one the log ends
// with (records are told apart by the nanosecond asup-init read them at, and their
// stream), and then the spool's loss was already counted too.
SpoolImport plan_import(const launch::spool::Contents& spool, const logs::RingBuffer& ring);

}  // namespace asup::engine
