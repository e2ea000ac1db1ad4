// Output asup-init kept in its spool while no asupd read the container's pipes
// (launch/output_spool.hpp), as the log takes it, and what of it joins the log: the plan,
// kept apart so it can be checked without a container.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "logs/ring_buffer.hpp"

namespace asup::logs {

struct Spooled {
  std::vector<Record> records;  // oldest first
  std::uint64_t dropped = 0;    // bytes the spool lost before its first record
};

struct SpoolImport {
  std::size_t first = 0;  // the first spool record to append
  std::uint64_t gap = 0;  // bytes the spool lost, to count as dropped before that record
};

// For a log that currently ends as `ring` does. An import cut short by asupd's death left
// the records it took at the end of the log: the plan starts after the one the log ends
// with (records are told apart by the nanosecond asup-init read them at, and their
// stream), and then the spool's loss was already counted too.
SpoolImport plan_import(const Spooled& spool, const RingBuffer& ring);

}  // namespace asup::logs
