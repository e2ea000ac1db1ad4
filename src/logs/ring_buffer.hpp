// The in-memory log of one container: timestamped records per stream, bounded by bytes.
// A record is the whole lines of one stream that arrived together (ContainerLog holds a
// line back until its newline), so every line has its stream and arrival time. When full,
// the oldest lines go, whole, and dropped_bytes() counts them: the ring always starts at the
// beginning of a line. A line too long to hold back comes in pieces without a newline, and
// a piece is evicted whole, as Docker's json-file driver keeps such a line in 16 KiB
// messages and rotation drops whole messages. Records are in arrival order, so a time is found by
// binary search. Every record has a sequence number so followers can tell when they fell behind the
// ring. The bound counts what a record costs in memory, not only its payload: each record is
// charged its bytes plus a fixed overhead (its entry and the string's heap block), so a
// container writing one byte at a time cannot make its ring cost many times its size.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace asup::logs {

enum class Stream : std::uint8_t { Stdout = 1, Stderr = 2 };

// The stream's name in the protocol's output messages.
inline const char* stream_name(Stream s) {
  return s == Stream::Stderr ? "stderr" : "stdout";
}

struct Record {
  std::int64_t time_ns = 0;  // CLOCK_REALTIME
  Stream stream = Stream::Stdout;
  std::string bytes;

  bool operator==(const Record&) const = default;
};

// What a record costs beyond its payload: the Record in the deque (48 bytes) and the
// malloc header and rounding of its string's block (up to 24). Charging it keeps a ring's
// memory within 1.125 x its capacity whatever the record sizes.
inline constexpr std::size_t kRecordOverhead = 64;

class RingBuffer {
 public:
  // `record_overhead` is charged per record against the capacity (0: payload only).
  explicit RingBuffer(std::size_t capacity_bytes, std::size_t record_overhead = kRecordOverhead);

  // Appends; a record larger than the capacity keeps only the last lines that fit (the last
  // bytes, when one line alone is larger).
  void append(Record record);
  std::size_t capacity() const;
  std::size_t size_bytes() const;       // payload bytes currently held
  std::size_t cost_bytes() const;       // payload plus overhead: never above capacity()
  std::uint64_t dropped_bytes() const;  // payload bytes evicted since creation
  std::uint64_t first_seq() const;      // sequence number of the oldest held record
  std::uint64_t end_seq() const;        // one past the newest record
  // The record with sequence number seq; seq must be in [first_seq, end_seq).
  const Record& at(std::uint64_t seq) const;
  // Sequence number from which the last n lines start (a record holding several lines is
  // cut, so the returned records, when sliced with first_line_offset, are exactly n lines).
  struct TailStart {
    std::uint64_t seq;
    std::size_t offset;  // byte offset into record `seq`
  };
  TailStart tail_lines(std::size_t n) const;
  // The first record that arrived at or after `time_ns` (end_seq() when none did).
  std::uint64_t first_at_or_after(std::int64_t time_ns) const;
  // Replaces the content, e.g. after loading the ring file on an asupd restart.
  void restore(std::vector<Record> records, std::uint64_t dropped_bytes);

 private:
  std::size_t charge(const Record& r) const { return r.bytes.size() + overhead_; }

  std::size_t capacity_;
  std::size_t overhead_;
  std::size_t size_ = 0;
  std::size_t cost_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t first_seq_ = 0;
  std::deque<Record> records_;
};

}  // namespace asup::logs
