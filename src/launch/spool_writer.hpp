// asup-init's side of the output spool (launch/output_spool.hpp): appends records to the
// segments in a directory it holds by descriptor (the run dir, opened before pivot_root).
// Compiled into asup-init: no exceptions, nothing heavy.
#pragma once

#include <cstdint>
#include <string_view>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::launch::spool {

class Writer {
 public:
  // dir_fd stays the caller's; capacity: payload bytes per segment (the log ring's size).
  Writer(int dir_fd, std::uint64_t capacity) : dir_(dir_fd), capacity_(capacity) {}

  // Appends one record, rotating first when the active segment is full. The segments
  // are opened on the first append after construction or close(): whatever an earlier
  // writer or an interrupted import left there is continued, a torn tail cut off.
  Status append(std::uint8_t stream, std::int64_t time_ns, std::string_view bytes);
  // Bytes that never reached the spool (a failed write): counted as dropped.
  void lose(std::uint64_t bytes);
  // Closes the active segment; the files are then asupd's until the next append.
  void close() { fd_.reset(); }
  bool open() const { return fd_.valid(); }

 private:
  Status open_segments();
  Status rotate();
  Status write_record(std::uint8_t stream, std::int64_t time_ns, std::string_view bytes);
  Status save_dropped();

  int dir_;
  std::uint64_t capacity_;
  UniqueFd fd_;
  std::uint64_t size_ = 0;           // file bytes of the active segment
  std::uint64_t payload_ = 0;        // payload bytes of the active segment
  std::uint64_t older_payload_ = 0;  // payload bytes of the older segment
  std::uint64_t dropped_ = 0;
};

}  // namespace asup::launch::spool
