#include "launch/spool_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "core/fs.hpp"
#include "launch/output_spool.hpp"

namespace asup::launch::spool {
namespace {

// Walks the record headers of a segment (the payloads are skipped, not read): returns
// where the whole records end and adds their payload bytes to `payload`.
std::uint64_t scan(int fd, std::uint64_t& payload) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return 0;
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  std::uint64_t pos = 0;
  char raw[kHeaderSize];
  Header h;
  while (file_size - pos >= kHeaderSize) {
    if (::pread(fd, raw, kHeaderSize, static_cast<off_t>(pos)) != static_cast<ssize_t>(kHeaderSize))
      break;
    if (!decode_header(raw, h) || file_size - pos - kHeaderSize < h.length) break;
    payload += h.length;
    pos += kHeaderSize + h.length;
  }
  return pos;
}

std::uint64_t read_count(int dir, const char* name) {
  UniqueFd fd{::openat(dir, name, O_RDONLY | O_CLOEXEC)};
  if (!fd) return 0;
  char text[32];
  ssize_t n = ::read(fd.get(), text, sizeof text - 1);
  if (n <= 0) return 0;
  text[n] = '\0';
  return std::strtoull(text, nullptr, 10);
}

}  // namespace

Status Writer::open_segments() {
  UniqueFd fd{::openat(dir_, kFile, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600)};
  if (!fd) return fail_errno(std::string{"open spool "} + kFile);
  payload_ = 0;
  size_ = scan(fd.get(), payload_);
  // A torn record at the end (init was killed mid-write): anything appended behind it
  // would be unreadable.
  struct stat st;
  if (::fstat(fd.get(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) != size_ &&
      ::ftruncate(fd.get(), static_cast<off_t>(size_)) != 0)
    return fail_errno(std::string{"truncate the torn tail of spool "} + kFile);
  older_payload_ = 0;
  UniqueFd older{::openat(dir_, kOlderFile, O_RDONLY | O_CLOEXEC)};
  if (older) scan(older.get(), older_payload_);
  dropped_ = read_count(dir_, kDroppedFile);
  fd_ = std::move(fd);
  return ok();
}

Status Writer::save_dropped() {
  return fs::write_file_atomic_at(dir_, kDroppedFile, std::to_string(dropped_), 0600);
}

Status Writer::rotate() {
  // renameat replaces the older segment in one step; the bytes it held are gone and
  // counted, once per rotation.
  if (::renameat(dir_, kFile, dir_, kOlderFile) != 0)
    return fail_errno(std::string{"rename spool "} + kFile);
  dropped_ += older_payload_;
  older_payload_ = payload_;
  payload_ = 0;
  size_ = 0;
  fd_.reset();
  ASUP_TRY(save_dropped());
  fd_.reset(::openat(dir_, kFile, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd_) return fail_errno(std::string{"open spool "} + kFile);
  return ok();
}

Status Writer::write_record(std::uint8_t stream, std::int64_t time_ns, std::string_view bytes) {
  char header[kHeaderSize];
  encode_header(Header{stream, static_cast<std::uint32_t>(bytes.size()), time_ns}, header);
  struct iovec iov[2] = {{header, kHeaderSize}, {const_cast<char*>(bytes.data()), bytes.size()}};
  if (int e = fs::writev_all(fd_.get(), iov, 2); e != 0) {
    // Keep the segment a sequence of whole records.
    (void)!::ftruncate(fd_.get(), static_cast<off_t>(size_));
    return fail(e, std::string{"append to spool "} + kFile);
  }
  size_ += kHeaderSize + bytes.size();
  payload_ += bytes.size();
  return ok();
}

Status Writer::append(std::uint8_t stream, std::int64_t time_ns, std::string_view bytes) {
  if (bytes.empty()) return ok();
  if (!fd_) {
    ASUP_TRY(open_segments());
  }
  // A record of a segment's size or more holds the newest bytes by itself: it keeps its
  // last `capacity` bytes, alone, and everything before it goes. (Keeping the older
  // segments too would leave a hole where its first bytes were.)
  if (bytes.size() >= capacity_) {
    dropped_ += older_payload_ + payload_ + (bytes.size() - capacity_);
    bytes.remove_prefix(bytes.size() - capacity_);
    ::unlinkat(dir_, kOlderFile, 0);
    if (::ftruncate(fd_.get(), 0) != 0) return fail_errno(std::string{"truncate spool "} + kFile);
    size_ = payload_ = older_payload_ = 0;
    ASUP_TRY(save_dropped());
  }
  // Full when the payload would pass the capacity, or when the headers of many tiny
  // records make the file four times that: the disk bound holds either way.
  const std::uint64_t total = kHeaderSize + bytes.size();
  if (size_ > 0 && (payload_ + bytes.size() > capacity_ || size_ + total > 4 * capacity_)) {
    ASUP_TRY(rotate());
  }
  return write_record(stream, time_ns, bytes);
}

void Writer::lose(std::uint64_t bytes) {
  if (bytes == 0) return;
  if (!fd_ && !open_segments()) {
    // Not even the segments open: the count has nowhere better to go than the file.
    dropped_ = read_count(dir_, kDroppedFile);
  }
  dropped_ += bytes;
  (void)save_dropped();
}

}  // namespace asup::launch::spool
