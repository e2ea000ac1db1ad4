// The output spool asup-init writes while no asupd reads the pipes, and asupd's reader.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "core/fs.hpp"
#include "launch/output_spool.hpp"
#include "launch/spool_writer.hpp"

using namespace asup;
using namespace asup::launch;

namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/asup-spool-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
    fd_.reset(::open(path_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(fd_.valid());
  }
  ~TempDir() { (void)fs::remove_tree(path_); }
  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
  UniqueFd fd_;
};

spool::Contents read_back(const TempDir& dir) {
  auto r = spool::read(dir.path());
  REQUIRE(r);
  return std::move(r).value();
}

std::string joined(const spool::Contents& c) {
  std::string out;
  for (const auto& r : c.records) out += r.bytes;
  return out;
}

}  // namespace

TEST_CASE("spool records come back in order with their stream and time", "[launch][spool]") {
  TempDir dir;
  {
    spool::Writer w{dir.fd(), 1 << 20};
    REQUIRE(w.append(spool::kStdout, 111, "out one\n"));
    REQUIRE(w.append(spool::kStderr, 222, "err one\n"));
    REQUIRE(w.append(spool::kStdout, 333, std::string("bin\0ary\n", 8)));
    REQUIRE(w.append(spool::kStdout, 444, ""));  // nothing to keep
  }
  auto c = read_back(dir);
  REQUIRE(c.records.size() == 3);
  CHECK(c.records[0] == spool::Record{111, spool::kStdout, "out one\n"});
  CHECK(c.records[1] == spool::Record{222, spool::kStderr, "err one\n"});
  CHECK(c.records[2] == spool::Record{333, spool::kStdout, std::string("bin\0ary\n", 8)});
  CHECK(c.dropped == 0);

  spool::remove(dir.path());
  CHECK(read_back(dir).empty());
  CHECK_FALSE(fs::exists(dir.file(spool::kFile)));
}

TEST_CASE("a missing spool reads as empty", "[launch][spool]") {
  TempDir dir;
  CHECK(read_back(dir).empty());
}

TEST_CASE("the spool keeps the newest bytes and counts what it dropped", "[launch][spool]") {
  TempDir dir;
  constexpr std::size_t kCapacity = 1000;
  std::string all;
  spool::Writer w{dir.fd(), kCapacity};
  for (int i = 0; i < 500; ++i) {
    std::string line = std::to_string(i) + "\n";
    all += line;
    REQUIRE(w.append(spool::kStdout, i + 1, line));
  }
  w.close();
  auto c = read_back(dir);
  const std::string kept = joined(c);
  // At least a segment's worth of the newest bytes, at most two; kept + dropped = written.
  CHECK(kept.size() >= kCapacity);
  CHECK(kept.size() <= 2 * kCapacity);
  CHECK(c.dropped + kept.size() == all.size());
  CHECK(all.substr(all.size() - kept.size()) == kept);
  // Records stay whole and in order.
  for (std::size_t i = 1; i < c.records.size(); ++i)
    CHECK(c.records[i].time_ns == c.records[i - 1].time_ns + 1);
}

TEST_CASE("a record larger than a segment keeps its newest bytes, alone", "[launch][spool]") {
  TempDir dir;
  spool::Writer w{dir.fd(), 100};
  for (int i = 0; i < 10; ++i) REQUIRE(w.append(spool::kStdout, i, std::string(30, 'a' + i)));
  std::string big(250, 'x');
  big.replace(150, 100, std::string(100, 'y'));
  REQUIRE(w.append(spool::kStderr, 10, big));
  w.close();
  auto c = read_back(dir);
  // What came before would leave a hole where the record's first bytes were.
  REQUIRE(c.records.size() == 1);
  CHECK(c.records[0].bytes == std::string(100, 'y'));
  CHECK(c.dropped == 300 + 150);

  spool::Writer again{dir.fd(), 100};
  REQUIRE(again.append(spool::kStdout, 11, "next\n"));
  again.close();
  c = read_back(dir);
  REQUIRE(c.records.size() == 2);
  CHECK(c.records[1].bytes == "next\n");
}

TEST_CASE("a torn record is left out, and the next writer continues behind the whole ones",
          "[launch][spool]") {
  TempDir dir;
  {
    spool::Writer w{dir.fd(), 1 << 20};
    REQUIRE(w.append(spool::kStdout, 1, "first\n"));
    REQUIRE(w.append(spool::kStdout, 2, "second\n"));
  }
  // Init killed in the middle of a write: half a header and no payload.
  auto whole = fs::read_file(dir.file(spool::kFile));
  REQUIRE(whole);
  std::string torn = whole.value() + whole.value().substr(0, 9);
  REQUIRE(fs::write_file(dir.file(spool::kFile), torn));
  auto c = read_back(dir);
  REQUIRE(c.records.size() == 2);
  CHECK(joined(c) == "first\nsecond\n");

  // A later writer (asupd died again) appends where the whole records end.
  spool::Writer again{dir.fd(), 1 << 20};
  REQUIRE(again.append(spool::kStderr, 3, "third\n"));
  again.close();
  c = read_back(dir);
  REQUIRE(c.records.size() == 3);
  CHECK(c.records[2] == spool::Record{3, spool::kStderr, "third\n"});
}

TEST_CASE("a writer reopening the spool keeps counting toward the same bound", "[launch][spool]") {
  TempDir dir;
  std::string all;
  for (int round = 0; round < 4; ++round) {
    spool::Writer w{dir.fd(), 300};
    for (int i = 0; i < 50; ++i) {
      std::string line = std::to_string(round) + "-" + std::to_string(i) + "\n";
      all += line;
      REQUIRE(w.append(spool::kStdout, round * 100 + i, line));
    }
  }
  auto c = read_back(dir);
  const std::string kept = joined(c);
  CHECK(kept.size() >= 300);
  CHECK(kept.size() <= 600);
  CHECK(c.dropped + kept.size() == all.size());
  CHECK(all.substr(all.size() - kept.size()) == kept);
}

TEST_CASE("bytes that could not be spooled are counted as dropped", "[launch][spool]") {
  TempDir dir;
  spool::Writer w{dir.fd(), 1 << 20};
  REQUIRE(w.append(spool::kStdout, 1, "kept\n"));
  w.lose(42);
  w.close();
  auto c = read_back(dir);
  CHECK(joined(c) == "kept\n");
  CHECK(c.dropped == 42);
}
