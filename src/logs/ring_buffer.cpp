#include "logs/ring_buffer.hpp"

#include <string.h>

#include <algorithm>
#include <cassert>

namespace asup::logs {
namespace {

// Where the line holding byte `pos - 1` ends (one past its newline): dropping that many
// bytes drops whole lines only. bytes.size() when no newline follows.
std::size_t whole_lines_through(const std::string& bytes, std::size_t pos) {
  if (pos == 0) return 0;
  if (pos >= bytes.size()) return bytes.size();
  const void* nl = ::memchr(bytes.data() + pos - 1, '\n', bytes.size() - (pos - 1));
  return nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data()) + 1
            : bytes.size();
}

}  // namespace

RingBuffer::RingBuffer(std::size_t capacity_bytes, std::size_t record_overhead)
    : capacity_(capacity_bytes), overhead_(record_overhead) {}

void RingBuffer::append(Record record) {
  // An empty record carries nothing to show; keeping it would cost memory for nothing.
  if (record.bytes.empty()) return;
  const std::size_t room = capacity_ > overhead_ ? capacity_ - overhead_ : 0;
  if (record.bytes.size() > room) {
    std::size_t cut = record.bytes.size() - room;
    // Whole lines when any fits; a single line longer than the ring keeps its end.
    if (std::size_t at_line = whole_lines_through(record.bytes, cut); at_line < record.bytes.size())
      cut = at_line;
    dropped_ += cut;
    // A fresh string of the bytes kept rather than erase(): erase would keep the huge
    // allocation alive for as long as the record stays in the ring.
    record.bytes = std::string(record.bytes, cut);
  }
  // Evict from the front; the oldest surviving record loses only the lines that must go,
  // so the ring stays nearly full however the output was chunked, and starts with a line.
  while (!records_.empty() && cost_ + charge(record) > capacity_) {
    Record& front = records_.front();
    std::size_t excess = whole_lines_through(front.bytes, cost_ + charge(record) - capacity_);
    if (front.bytes.size() <= excess) {
      size_ -= front.bytes.size();
      cost_ -= charge(front);
      dropped_ += front.bytes.size();
      records_.pop_front();
      ++first_seq_;
    } else {
      front.bytes = std::string(front.bytes, excess);
      size_ -= excess;
      cost_ -= excess;
      dropped_ += excess;
    }
  }
  if (record.bytes.empty()) {  // no room even for one byte: dropped whole, its number used
    ++first_seq_;
    return;
  }
  size_ += record.bytes.size();
  cost_ += charge(record);
  records_.push_back(std::move(record));
}

std::size_t RingBuffer::capacity() const {
  return capacity_;
}
std::size_t RingBuffer::size_bytes() const {
  return size_;
}
std::size_t RingBuffer::cost_bytes() const {
  return cost_;
}
std::uint64_t RingBuffer::dropped_bytes() const {
  return dropped_;
}
std::uint64_t RingBuffer::first_seq() const {
  return first_seq_;
}
std::uint64_t RingBuffer::end_seq() const {
  return first_seq_ + records_.size();
}

const Record& RingBuffer::at(std::uint64_t seq) const {
  assert(seq >= first_seq_ && seq < end_seq());
  return records_[static_cast<std::size_t>(seq - first_seq_)];
}

RingBuffer::TailStart RingBuffer::tail_lines(std::size_t n) const {
  if (n == 0 || records_.empty()) return {end_seq(), 0};
  // A line starts right after a '\n'. The newline that ends the very last line starts
  // nothing, so the search begins before it; an unterminated last piece is a line of
  // its own. memrchr over each record in place: cost follows the bytes the n lines span,
  // not the size of the ring.
  std::size_t remaining = n;
  for (std::size_t idx = records_.size(); idx-- > 0;) {
    const std::string& bytes = records_[idx].bytes;
    std::size_t len = bytes.size();
    if (idx + 1 == records_.size() && bytes.back() == '\n') --len;
    while (len > 0) {
      const void* hit = ::memrchr(bytes.data(), '\n', len);
      if (!hit) break;
      std::size_t pos = static_cast<std::size_t>(static_cast<const char*>(hit) - bytes.data());
      if (--remaining == 0) {
        if (pos + 1 < bytes.size()) return {first_seq_ + idx, pos + 1};
        return {first_seq_ + idx + 1, 0};
      }
      len = pos;
    }
  }
  return {first_seq_, 0};
}

std::uint64_t RingBuffer::first_at_or_after(std::int64_t time_ns) const {
  auto it = std::partition_point(records_.begin(), records_.end(),
                                 [&](const Record& r) { return r.time_ns < time_ns; });
  return first_seq_ + static_cast<std::uint64_t>(it - records_.begin());
}

void RingBuffer::restore(std::vector<Record> records, std::uint64_t dropped_bytes) {
  // Numbering continues after what the ring has handed out, so a follower never sees a
  // number twice.
  first_seq_ = end_seq();
  records_.clear();
  size_ = 0;
  cost_ = 0;
  dropped_ = dropped_bytes;
  for (auto& r : records) append(std::move(r));
}

}  // namespace asup::logs
