// The on-disk twin of the ring buffer: records appended to a file bounded in size. Two
// segments, "PATH" and "PATH.1", each at most `capacity` bytes long, headers included:
// when the active one is full it replaces the older one. The pair holds at least what the
// in-memory ring of the same capacity holds, and never more than 2 x capacity on disk. Bytes
// discarded by rotation are counted in "PATH.dropped", so dropped + kept stays exact across
// restarts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"
#include "logs/ring_buffer.hpp"

namespace asup::logs {

class RingFile {
 public:
  static Result<RingFile> open(const std::string& path, std::size_t capacity_bytes);
  Status append(const Record& record);
  const std::string& path() const { return path_; }
  // All records of both segments, oldest first. A torn record at the end (a crash
  // mid-write) is ignored.
  static Result<std::vector<Record>> read_all(const std::string& path);
  // What the ring is rebuilt from after a restart: the records, and the bytes lost before
  // them (read_dropped(), plus the head of an older version's record cut to a whole line).
  struct Loaded {
    std::vector<Record> records;
    std::uint64_t dropped = 0;
  };
  static Result<Loaded> read_back(const std::string& path);
  // Payload bytes this file has discarded (rotation, oversized records) over its life.
  std::uint64_t dropped_bytes() const { return dropped_; }
  // Output lost before it reached this file (asup-init's spool overflowed while no asupd
  // ran): counted with what the file discarded itself, and saved at once.
  Status add_dropped(std::uint64_t bytes);
  static std::uint64_t read_dropped(const std::string& path);
  // Deletes both segments and the counter.
  static void remove(const std::string& path);

 private:
  RingFile(std::string path, std::size_t capacity, UniqueFd fd, std::size_t size)
      : path_(std::move(path)), capacity_(capacity), fd_(std::move(fd)), size_(size) {}
  Status rotate();
  std::string path_;
  std::size_t capacity_;
  UniqueFd fd_;
  std::size_t size_;
  std::size_t payload_ = 0;        // payload bytes in the active segment
  std::size_t older_payload_ = 0;  // payload bytes in PATH.1
  std::uint64_t dropped_ = 0;
};

}  // namespace asup::logs
