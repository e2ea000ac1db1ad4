// The on-disk twin of the ring buffer: records appended to a file bounded in size. Two
// segments, "PATH" and "PATH.1", each at most capacity/2: when the active one is full it
// replaces the older one, so the oldest half goes and the total stays bounded.
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
  // Deletes both segments.
  static void remove(const std::string& path);

 private:
  RingFile(std::string path, std::size_t capacity, UniqueFd fd, std::size_t size)
      : path_(std::move(path)), capacity_(capacity), fd_(std::move(fd)), size_(size) {}
  Status rotate();
  std::string path_;
  std::size_t capacity_;
  UniqueFd fd_;
  std::size_t size_;
};

}  // namespace asup::logs
