#include "logs/ring_file.hpp"

#include <cstdlib>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <string_view>

#include "core/fs.hpp"

namespace asup::logs {
namespace {

// [u32 magic | u8 stream | u32 len | i64 time_ns | len bytes], little-endian, unpadded.
// The magic at every record lets a reader tell a whole record from the torn tail a
// crash mid-write leaves behind. Version 2 ("ASL2") records hold whole lines, each
// arrived at time_ns; version 1 ("ASLG") records held a read chunk, which after a
// wrapped ring could begin mid-line: both are read, and a file's oldest version 1 record
// after a loss is cut to its first whole line.
constexpr std::uint32_t kMagic = 0x324c5341;        // "ASL2" as stored bytes
constexpr std::uint32_t kLegacyMagic = 0x474c5341;  // "ASLG"
constexpr std::size_t kHeaderSize = 4 + 1 + 4 + 8;

void put_le(char* out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

std::uint64_t get_le(const char* in, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i)
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return value;
}

// Walks the whole records at the start of `data`, handing each to `on_record`; returns
// where they end (data.size() unless the tail is torn or garbage).
template <class OnRecord>
std::size_t parse_segment(std::string_view data, OnRecord on_record) {
  std::size_t pos = 0;
  while (data.size() - pos >= kHeaderSize) {
    const char* h = data.data() + pos;
    auto magic = static_cast<std::uint32_t>(get_le(h, 4));
    auto stream = static_cast<std::uint8_t>(h[4]);
    auto len = static_cast<std::size_t>(get_le(h + 5, 4));
    auto time_ns = static_cast<std::int64_t>(get_le(h + 9, 8));
    if (magic != kMagic && magic != kLegacyMagic) break;
    if (stream != static_cast<std::uint8_t>(Stream::Stdout) &&
        stream != static_cast<std::uint8_t>(Stream::Stderr))
      break;
    if (data.size() - pos - kHeaderSize < len) break;
    on_record(time_ns, static_cast<Stream>(stream), data.substr(pos + kHeaderSize, len),
              magic == kLegacyMagic);
    pos += kHeaderSize + len;
  }
  return pos;
}

std::string older_segment(const std::string& path) {
  return path + ".1";
}

Result<UniqueFd> open_segment(const std::string& path) {
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)};
  if (!fd) return fail_errno("open " + path);
  return fd;
}

// The segment's content, or nothing when it does not exist.
Result<std::string> read_segment(const std::string& path) {
  auto data = fs::read_file(path);
  if (!data && data.error().code == ENOENT) return std::string{};
  return data;
}

}  // namespace

Result<RingFile> RingFile::open(const std::string& path, std::size_t capacity_bytes) {
  if (capacity_bytes <= kHeaderSize)
    return fail(EINVAL, "open log " + path + ": capacity " + std::to_string(capacity_bytes) +
                            " is below the minimum of " + std::to_string(kHeaderSize + 1));
  ASUP_TRY(auto fd, open_segment(path));
  // After a restart: continue behind the last whole record. A torn one (asupd died
  // mid-write, the disk filled) is cut off, or every record appended after it would be
  // unreadable.
  ASUP_TRY(auto existing, read_segment(path));
  std::size_t end = parse_segment(existing, [](auto, auto, auto, bool) {});
  if (end != existing.size() && ::ftruncate(fd.get(), static_cast<off_t>(end)) != 0)
    return fail_errno("truncate the torn tail of " + path);
  std::size_t active_payload = 0;
  parse_segment(existing.substr(0, end),
                [&](auto, auto, std::string_view bytes, bool) { active_payload += bytes.size(); });
  ASUP_TRY(auto older, read_segment(older_segment(path)));
  std::size_t older_payload = 0;
  parse_segment(older,
                [&](auto, auto, std::string_view bytes, bool) { older_payload += bytes.size(); });
  RingFile file(path, capacity_bytes, std::move(fd), end);
  file.payload_ = active_payload;
  file.older_payload_ = older_payload;
  file.dropped_ = read_dropped(path);
  return file;
}

std::uint64_t RingFile::read_dropped(const std::string& path) {
  auto text = fs::read_file(path + ".dropped");
  return text ? std::strtoull(text.value().c_str(), nullptr, 10) : 0;
}

Status RingFile::append(const Record& record) {
  if (record.bytes.empty()) return ok();
  if (record.stream != Stream::Stdout && record.stream != Stream::Stderr)
    return fail(EINVAL, "append to " + path_ + ": stream " +
                            std::to_string(static_cast<int>(record.stream)));
  // Each segment holds up to the ring's capacity in file bytes, headers included, so the
  // pair costs at most twice the capacity on disk whatever the record sizes. It still
  // holds everything the in-memory ring holds: the ring charges each record more than
  // its header costs here, and the segment before a rotation held a capacity's worth.
  const std::size_t limit = capacity_ - kHeaderSize;
  std::string_view payload = record.bytes;
  // A record larger than a segment keeps its newest bytes and fills a segment alone.
  if (payload.size() > limit) {
    dropped_ += payload.size() - limit;
    payload.remove_prefix(payload.size() - limit);
  }
  const std::size_t total = kHeaderSize + payload.size();
  if (size_ > 0 && size_ + total > capacity_) {
    ASUP_TRY(rotate());
  }
  if (!fd_) {
    ASUP_TRY(auto fd, open_segment(path_));
    fd_ = std::move(fd);
  }

  char header[kHeaderSize];
  put_le(header, kMagic, 4);
  header[4] = static_cast<char>(record.stream);
  put_le(header + 5, payload.size(), 4);
  put_le(header + 9, static_cast<std::uint64_t>(record.time_ns), 8);
  // Header and payload in one writev: one system call per record and no copy of the
  // payload into a staging buffer.
  struct iovec iov[2] = {{header, kHeaderSize},
                         {const_cast<char*>(payload.data()), payload.size()}};
  if (int e = fs::writev_all(fd_.get(), iov, 2); e != 0) {
    // Cut a partial record off so the segment stays a sequence of whole records.
    (void)!::ftruncate(fd_.get(), static_cast<off_t>(size_));
    return fail(e, "append to " + path_);
  }
  size_ += total;
  payload_ += payload.size();
  return ok();
}

Status RingFile::add_dropped(std::uint64_t bytes) {
  dropped_ += bytes;
  return fs::write_file_atomic(path_ + ".dropped", std::to_string(dropped_));
}

Status RingFile::rotate() {
  // rename() replaces the older segment in one step: a reader sees either the old pair
  // or the new one. A crash before the new PATH exists leaves PATH.1 alone, which open()
  // handles by creating PATH.
  std::string older = older_segment(path_);
  if (::rename(path_.c_str(), older.c_str()) != 0 && errno != ENOENT)
    return fail_errno("rename " + path_ + " to " + older);
  // The older segment's bytes are gone for good: count them where a restarted asupd
  // finds them (once per segment, so the extra write is rare).
  dropped_ += older_payload_;
  older_payload_ = payload_;
  payload_ = 0;
  (void)fs::write_file_atomic(path_ + ".dropped", std::to_string(dropped_));
  fd_.reset();
  size_ = 0;
  ASUP_TRY(auto fd, open_segment(path_));
  fd_ = std::move(fd);
  return ok();
}

Result<std::vector<Record>> RingFile::read_all(const std::string& path) {
  ASUP_TRY(auto loaded, read_back(path));
  return std::move(loaded.records);
}

Result<RingFile::Loaded> RingFile::read_back(const std::string& path) {
  Loaded loaded;
  loaded.dropped = read_dropped(path);
  bool first_is_legacy = false;
  for (const std::string& segment : {older_segment(path), path}) {
    ASUP_TRY(auto data, read_segment(segment));
    parse_segment(data,
                  [&](std::int64_t time_ns, Stream stream, std::string_view bytes, bool legacy) {
                    if (loaded.records.empty()) first_is_legacy = legacy;
                    loaded.records.push_back(Record{time_ns, stream, std::string(bytes)});
                  });
  }
  // Output before the oldest record was lost: a version 1 record may begin mid-line.
  if (first_is_legacy && loaded.dropped > 0) {
    std::string& bytes = loaded.records.front().bytes;
    auto nl = bytes.find('\n');
    std::size_t cut = nl == std::string::npos ? bytes.size() : nl + 1;
    loaded.dropped += cut;
    bytes.erase(0, cut);
  }
  return loaded;
}

void RingFile::remove(const std::string& path) {
  ::unlink(path.c_str());
  ::unlink(older_segment(path).c_str());
  ::unlink((path + ".dropped").c_str());
}

}  // namespace asup::logs
