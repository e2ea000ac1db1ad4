// The output spool: what asup-init read from the container's stdout and stderr pipes while
// no asupd did (see launch_spec.hpp, "Output while asupd is away"). It lives in the
// container's run dir as two segments, like the log ring file: the active one (kFile) and
// the one before it (kOlderFile), each holding at most `capacity` payload bytes. When the
// active segment is full it replaces the older one, whose bytes are counted in
// kDroppedFile; so the pair keeps the newest bytes, at least `capacity` of them once any
// were dropped. asup-init writes it (launch/spool_writer.hpp); asupd imports it into the
// container's log ring and deletes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"

namespace asup::launch::spool {

inline constexpr const char* kFile = "output.spool";
inline constexpr const char* kOlderFile = "output.spool.1";
inline constexpr const char* kDroppedFile = "output.spool.dropped";  // decimal byte count

inline constexpr std::uint8_t kStdout = 1;
inline constexpr std::uint8_t kStderr = 2;

// A record: [u32 magic | u8 stream | u32 length | i64 time_ns | length bytes], little-endian,
// unpadded, written with one writev. The magic at every record tells a whole record from
// the torn tail an asup-init killed in the middle of a write leaves behind.
inline constexpr std::uint32_t kMagic = 0x4c505341;  // "ASPL" as stored bytes
inline constexpr std::size_t kHeaderSize = 4 + 1 + 4 + 8;

struct Header {
  std::uint8_t stream = kStdout;
  std::uint32_t length = 0;
  std::int64_t time_ns = 0;  // CLOCK_REALTIME when init read the bytes
};

inline void encode_header(const Header& h, char* out) {
  auto put = [&](std::size_t at, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
  };
  put(0, kMagic, 4);
  out[4] = static_cast<char>(h.stream);
  put(5, h.length, 4);
  put(9, static_cast<std::uint64_t>(h.time_ns), 8);
}

// False when `in` does not start a record (wrong magic or stream).
inline bool decode_header(const char* in, Header& h) {
  auto get = [&](std::size_t at, int bytes) {
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i)
      value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
    return value;
  };
  if (get(0, 4) != kMagic) return false;
  h.stream = static_cast<std::uint8_t>(in[4]);
  h.length = static_cast<std::uint32_t>(get(5, 4));
  h.time_ns = static_cast<std::int64_t>(get(9, 8));
  return h.stream == kStdout || h.stream == kStderr;
}

struct Record {
  std::int64_t time_ns = 0;
  std::uint8_t stream = kStdout;
  std::string bytes;

  bool operator==(const Record&) const = default;
};

struct Contents {
  std::vector<Record> records;  // oldest first
  std::uint64_t dropped = 0;    // bytes the spool discarded before its first record
  bool empty() const { return records.empty() && dropped == 0; }
};

// The whole records at the start of `data`, handed to on_record(header, payload); returns
// where they end (data.size() unless the tail is torn).
template <class OnRecord>
std::size_t parse(std::string_view data, OnRecord on_record) {
  std::size_t pos = 0;
  Header h;
  while (data.size() - pos >= kHeaderSize && decode_header(data.data() + pos, h) &&
         data.size() - pos - kHeaderSize >= h.length) {
    on_record(h, data.substr(pos + kHeaderSize, h.length));
    pos += kHeaderSize + h.length;
  }
  return pos;
}

// asupd's side. The spool in `dir` (both segments, the older first; a missing file is an
// empty one, a torn tail is left out).
Result<Contents> read(const std::string& dir);
// Deletes the counter first, then the segments: an import cut short between the two leaves
// records that the next import recognises as taken (the ring ends with them), never a
// count it would add twice.
void remove(const std::string& dir);

}  // namespace asup::launch::spool
