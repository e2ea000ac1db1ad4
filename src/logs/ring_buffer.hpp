// The in-memory log of one container: timestamped records per stream, bounded by bytes.
// When full, the oldest records go and dropped_bytes() counts them. Every record has a
// sequence number so followers can tell when they fell behind the ring.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace asup::logs {

enum class Stream : std::uint8_t { Stdout = 1, Stderr = 2 };

struct Record {
  std::int64_t time_ns = 0;  // CLOCK_REALTIME
  Stream stream = Stream::Stdout;
  std::string bytes;

  bool operator==(const Record&) const = default;
};

class RingBuffer {
 public:
  explicit RingBuffer(std::size_t capacity_bytes);

  // Appends; a record larger than the capacity keeps only its last capacity bytes.
  void append(Record record);
  std::size_t capacity() const;
  std::size_t size_bytes() const;       // payload bytes currently held
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
  // Replaces the content, e.g. after loading the ring file on an asupd restart.
  void restore(std::vector<Record> records, std::uint64_t dropped_bytes);

 private:
  std::size_t capacity_;
  std::size_t size_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t first_seq_ = 0;
  std::deque<Record> records_;
};

}  // namespace asup::logs
