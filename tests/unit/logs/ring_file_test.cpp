#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "core/fs.hpp"
#include "logs/ring_file.hpp"
#include "temp_dir.hpp"

using namespace asup;
using namespace asup::logs;
using asup::testing::TempDir;

namespace {

constexpr std::size_t kHeader = 17;  // u32 magic, u8 stream, u32 len, i64 time

std::size_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
}

Record rec(std::string bytes, Stream stream = Stream::Stdout, std::int64_t t = 0) {
  return Record{t, stream, std::move(bytes)};
}

std::vector<Record> read_all(const std::string& path) {
  auto r = RingFile::read_all(path);
  REQUIRE(r);
  return r.value();
}

}  // namespace

std::size_t payload_of(const std::string& segment) {
  std::size_t n = 0;
  auto data = fs::read_file(segment);
  if (!data) return 0;
  // Every record is a 17-byte header and its payload; count payload by walking headers.
  const std::string& d = data.value();
  for (std::size_t pos = 0; pos + kHeader <= d.size();) {
    std::uint32_t len = 0;
    for (int i = 0; i < 4; ++i)
      len |= static_cast<std::uint32_t>(static_cast<unsigned char>(d[pos + 5 + i])) << (8 * i);
    n += len;
    pos += kHeader + len;
  }
  return n;
}

TEST_CASE("ring file: records round-trip with stream and time", "[logs]") {
  TempDir dir;
  std::string path = dir / "c1.log";
  auto file = RingFile::open(path, 1 << 20);
  REQUIRE(file);
  CHECK(file.value().path() == path);
  std::vector<Record> written = {rec("hello\n", Stream::Stdout, 1700000000123456789),
                                 rec("oops\n", Stream::Stderr, -5), rec(std::string(1000, 'z'))};
  for (const auto& r : written) REQUIRE(file.value().append(r));
  CHECK(read_all(path) == written);
  CHECK(file_size(path) == 3 * kHeader + 6 + 5 + 1000);
  CHECK_FALSE(fs::exists(path + ".1"));
}

TEST_CASE("ring file: rotation keeps the total bounded and the order", "[logs]") {
  TempDir dir;
  std::string path = dir / "c1.log";
  const std::size_t capacity = 500;  // two segments of at most 500 file bytes each
  auto file = RingFile::open(path, capacity);
  REQUIRE(file);
  std::vector<Record> written;
  for (int i = 0; i < 200; ++i) {
    char line[64];
    std::snprintf(line, sizeof line, "line %03d %s\n", i, std::string(i % 40, '.').c_str());
    written.push_back(rec(line, i % 3 ? Stream::Stdout : Stream::Stderr, i));
    REQUIRE(file.value().append(written.back()));
    CHECK(file_size(path) <= capacity);
    CHECK(file_size(path + ".1") <= capacity);
  }
  CHECK(fs::exists(path + ".1"));
  auto kept = read_all(path);
  REQUIRE(!kept.empty());
  // The newest records, in order, ending with the last one written.
  std::size_t first = written.size() - kept.size();
  for (std::size_t i = 0; i < kept.size(); ++i) CHECK(kept[i] == written[first + i]);
  // The pair holds at least a capacity's worth of the newest output, headers included.
  CHECK(file_size(path) + file_size(path + ".1") >= capacity);
  // What rotation discarded is counted: dropped + kept = written, also for a reader.
  std::uint64_t total = 0, held = 0;
  for (auto& r : written) total += r.bytes.size();
  for (auto& r : kept) held += r.bytes.size();
  CHECK(file.value().dropped_bytes() + held == total);
  CHECK(RingFile::read_dropped(path) + held == total);
}

TEST_CASE("ring file: a record larger than a segment goes alone, keeping its tail", "[logs]") {
  TempDir dir;
  std::string path = dir / "c1.log";
  auto file = RingFile::open(path, 500);
  REQUIRE(file);
  REQUIRE(file.value().append(rec("before\n")));
  std::string huge;
  for (int i = 0; i < 300; ++i) huge += std::to_string(i % 10) + "abcdef";  // 2100 bytes
  REQUIRE(file.value().append(rec(huge, Stream::Stderr, 7)));
  // "before" filled the first segment as far as the huge record is concerned.
  CHECK(file_size(path) == 500);
  const std::size_t kept_bytes = 500 - kHeader;
  auto kept = read_all(path);
  REQUIRE(kept.size() == 2);
  CHECK(kept[0] == rec("before\n"));
  CHECK(kept[1] == rec(huge.substr(huge.size() - kept_bytes), Stream::Stderr, 7));
  CHECK(file.value().dropped_bytes() == huge.size() - kept_bytes);

  REQUIRE(file.value().append(rec("after\n")));  // the full segment rotates
  kept = read_all(path);
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].bytes.size() == kept_bytes);
  CHECK(kept[1] == rec("after\n"));
}

TEST_CASE("ring file: one-byte records cost at most twice the capacity on disk", "[logs]") {
  TempDir dir;
  std::string path = dir / "c1.log";
  const std::size_t capacity = 64 << 10;
  auto file = RingFile::open(path, capacity);
  REQUIRE(file);
  for (int i = 0; i < 100000; ++i) REQUIRE(file.value().append(rec(i % 2 ? "x" : "y")));
  CHECK(file_size(path) <= capacity);
  CHECK(file_size(path + ".1") <= capacity);
  auto kept = read_all(path);
  REQUIRE(kept.size() > 1000);
  CHECK(kept.back() == rec("x"));  // the last, i = 99999
  CHECK(kept.size() + RingFile::read_dropped(path) + file.value().dropped_bytes() >= 100000);
}

TEST_CASE("ring file: a torn trailing record is ignored, and cut off on reopen", "[logs]") {
  TempDir dir;
  std::string path = dir / "c1.log";
  {
    auto file = RingFile::open(path, 1 << 20);
    REQUIRE(file);
    for (const char* s : {"one\n", "two\n", "three\n"}) REQUIRE(file.value().append(rec(s)));
  }
  std::size_t whole = file_size(path);
  // A crash mid-write: a header that promises more bytes than follow.
  {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    REQUIRE(fd >= 0);
    auto header = std::string(kHeader + 3, '\0');
    std::uint32_t magic = 0;
    int src = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(::read(src, &magic, 4) == 4);
    ::close(src);
    std::memcpy(header.data(), &magic, 4);
    header[4] = 1;
    header[5] = 100;  // len 100, only 3 present
    REQUIRE(::write(fd, header.data(), header.size()) == static_cast<ssize_t>(header.size()));
    ::close(fd);
  }
  auto kept = read_all(path);
  REQUIRE(kept.size() == 3);
  CHECK(kept[2] == rec("three\n"));

  auto file = RingFile::open(path, 1 << 20);
  REQUIRE(file);
  CHECK(file_size(path) == whole);
  REQUIRE(file.value().append(rec("four\n")));
  kept = read_all(path);
  REQUIRE(kept.size() == 4);
  CHECK(kept[3] == rec("four\n"));
}

TEST_CASE("ring file: garbage at the end of a segment is not a record", "[logs]") {
  TempDir dir;
  std::string path = dir / "c1.log";
  {
    auto file = RingFile::open(path, 1 << 20);
    REQUIRE(file);
    REQUIRE(file.value().append(rec("ok\n")));
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  REQUIRE(fd >= 0);
  std::string junk(64, '\x7f');
  REQUIRE(::write(fd, junk.data(), junk.size()) == 64);
  ::close(fd);
  CHECK(read_all(path) == std::vector<Record>{rec("ok\n")});
}

TEST_CASE("ring file: reopening continues the active segment and its size", "[logs]") {
  TempDir dir;
  std::string path = dir / "c1.log";
  const std::size_t capacity = 100;  // segments of 100 bytes: 4 records of 25 file bytes
  std::string payload(8, 'p');       // 17 + 8 = 25 bytes a record
  {
    auto file = RingFile::open(path, capacity);
    REQUIRE(file);
    for (int i = 0; i < 3; ++i) REQUIRE(file.value().append(rec(payload, Stream::Stdout, i)));
  }
  CHECK(file_size(path) == 75);
  {
    auto file = RingFile::open(path, capacity);
    REQUIRE(file);
    REQUIRE(file.value().append(rec(payload, Stream::Stdout, 3)));
    CHECK(file_size(path) == 100);
    CHECK_FALSE(fs::exists(path + ".1"));
    REQUIRE(file.value().append(rec(payload, Stream::Stdout, 4)));  // segment full: rotates
    CHECK(file_size(path) == 25);
    CHECK(file_size(path + ".1") == 100);
  }
  auto kept = read_all(path);
  REQUIRE(kept.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(kept[static_cast<std::size_t>(i)].time_ns == i);
}

TEST_CASE("ring file: a lost active segment, missing files, remove, tiny capacity", "[logs]") {
  TempDir dir;
  std::string path = dir / "c1.log";
  CHECK(read_all(path).empty());
  {
    auto file = RingFile::open(path, 40);
    REQUIRE(file);
    // 33 file bytes a record in segments of 40: one record a segment.
    for (int i = 0; i < 3; ++i)
      REQUIRE(file.value().append(rec("0123456789abcdef", Stream::Stdout, i)));
  }
  // A crash between rename and creating the new segment leaves only PATH.1.
  REQUIRE(::unlink(path.c_str()) == 0);
  auto kept = read_all(path);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].time_ns == 1);
  {
    auto file = RingFile::open(path, 100);
    REQUIRE(file);
    REQUIRE(file.value().append(rec("x", Stream::Stdout, 9)));
    // A record of an unknown stream would make the segment unreadable from there on.
    CHECK_FALSE(file.value().append(rec("bad", static_cast<Stream>(0), 10)));
  }
  kept = read_all(path);
  REQUIRE(kept.size() == 2);
  CHECK(kept[1].time_ns == 9);

  RingFile::remove(path);
  CHECK_FALSE(fs::exists(path));
  CHECK_FALSE(fs::exists(path + ".1"));

  auto tiny = RingFile::open(path, 17);
  REQUIRE_FALSE(tiny);
  CHECK_THAT(tiny.error().describe(), Catch::Contains(path));
  CHECK_FALSE(fs::exists(path));
}

namespace {

// A record as version 1 of the format stored it ("ASLG", a read chunk).
std::string legacy_record(std::string_view bytes, std::int64_t time_ns) {
  std::string out = "ASLG";
  out += static_cast<char>(Stream::Stdout);
  for (int i = 0; i < 4; ++i) out += static_cast<char>((bytes.size() >> (8 * i)) & 0xff);
  for (int i = 0; i < 8; ++i)
    out += static_cast<char>((static_cast<std::uint64_t>(time_ns) >> (8 * i)) & 0xff);
  out += bytes;
  return out;
}

}  // namespace

TEST_CASE("ring file: a version 1 file is read back, cut to whole lines after a loss", "[logs]") {
  TempDir dir;
  const std::string path = dir / "log";
  REQUIRE(fs::write_file_atomic(
      path, legacy_record("of a line\nnext\n", 10) + legacy_record("more\n", 20)));
  // Nothing lost before it: the file is taken as it is.
  auto whole = RingFile::read_back(path);
  REQUIRE(whole);
  REQUIRE(whole.value().records.size() == 2);
  CHECK(whole.value().records[0] == rec("of a line\nnext\n", Stream::Stdout, 10));
  CHECK(whole.value().dropped == 0);

  // After a loss its oldest record may begin mid-line: that line goes, counted.
  REQUIRE(fs::write_file_atomic(path + ".dropped", "5"));
  auto cut = RingFile::read_back(path);
  REQUIRE(cut);
  CHECK(cut.value().records[0] == rec("next\n", Stream::Stdout, 10));
  CHECK(cut.value().dropped == 5 + 10);

  // New records append in the current version after the old ones, and both read back.
  {
    auto file = RingFile::open(path, 1 << 20);
    REQUIRE(file);
    REQUIRE(file.value().append(rec("new\n", Stream::Stderr, 30)));
  }
  auto all = read_all(path);
  REQUIRE(all.size() == 3);
  CHECK(all[2] == rec("new\n", Stream::Stderr, 30));
  auto data = fs::read_file(path);
  REQUIRE(data);
  CHECK(data.value().substr(data.value().size() - kHeader - 4, 4) == "ASL2");
}
