// A container's log as its readers see it: live followers, replays of the ring (paced,
// with --tail, across a restart), the attached client at the end, and capture waiting for
// that client; line by line: lines held until their newline, pieces of long lines, the
// last line at EOF, --since/--until over the ring, `-f --until`.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "fake_caller.hpp"
#include "logs/container_log.hpp"
#include "temp_dir.hpp"

using namespace asup;
using namespace asup::logs;
using asup::testing::FakeCaller;
using asup::testing::TempDir;

namespace {

constexpr const char* kId = "0123456789abcdef";

std::shared_ptr<ContainerLog> make_log(const std::string& path, std::size_t capacity = 1 << 20) {
  auto log = ContainerLog::create(kId, path, capacity);
  REQUIRE(log);
  return std::move(log).value();
}

// A client's `logs` (with -f when `follow`): what it was sent at once.
std::shared_ptr<FakeCaller> replayed(ContainerLog& log, long tail, bool follow,
                                     TimeRange range = {}) {
  static std::uint64_t serial = 100;
  auto reader = std::make_shared<FakeCaller>(++serial);
  log.replay(reader, tail, follow, range);
  return reader;
}

std::vector<std::string> strings(std::initializer_list<const char*> list) {
  return {list.begin(), list.end()};
}

}  // namespace

TEST_CASE("followers get each chunk as it is appended: a replay gets what the ring holds",
          "[logs][container_log]") {
  TempDir dir;
  auto log = make_log(dir / "log");
  auto follower = replayed(*log, -1, true);  // nothing yet: a follower at once
  log->append(Stream::Stdout, "a\n");
  log->append(Stream::Stderr, "b\n");
  CHECK(follower->output == "a\nb\n");
  CHECK(follower->streams == strings({"stdout", "stderr"}));
  CHECK(follower->messages.empty());  // still following

  auto reader = replayed(*log, -1, false);
  CHECK(reader->output == "a\nb\n");
  CHECK(reader->streams == strings({"stdout", "stderr"}));
  CHECK(reader->types() == strings({"result"}));
}

TEST_CASE("a replay with --tail starts at the last lines, and says what the ring dropped",
          "[logs][container_log]") {
  TempDir dir;
  auto log = make_log(dir / "log");
  log->append(Stream::Stdout, "one\ntwo\nthr");
  log->append(Stream::Stdout, "ee\nfour\n");
  auto reader = replayed(*log, 2, false);
  CHECK(reader->output == "three\nfour\n");
  CHECK(reader->types() == strings({"result"}));

  // Each record costs its bytes and kRecordOverhead: a third one pushes the first out.
  auto small = make_log(dir / "small", 2 * (kRecordOverhead + 10));
  small->append(Stream::Stdout, "012345678\n");
  small->append(Stream::Stdout, "abcdefghi\n");
  small->append(Stream::Stdout, "ABCDEFGHI\n");
  auto late = replayed(*small, -1, false);
  REQUIRE(late->types() == strings({"notice", "result"}));
  CHECK(late->messages[0]["dropped_bytes"] == 10);
  CHECK(late->output == "abcdefghi\nABCDEFGHI\n");
  CHECK(small->dropped_bytes() == 10u);
}

TEST_CASE("at the end the attached client gets the exit and every follower a result",
          "[logs][container_log]") {
  TempDir dir;
  auto log = make_log(dir / "log");
  auto attached = std::make_shared<FakeCaller>(1);
  auto follower = std::make_shared<FakeCaller>(2);
  log->attach(attached);
  log->replay(follower, -1, true);
  log->append(Stream::Stdout, "out\n");
  CHECK(attached->output == "out\n");
  CHECK(follower->output == "out\n");

  log->finish(api::Exit{3, std::nullopt});
  REQUIRE(attached->types() == strings({"exit"}));
  CHECK(attached->messages[0]["exit_code"] == 3);
  CHECK(follower->types() == strings({"result"}));

  // An ended container has nothing more to follow: `logs -f` ends after the replay.
  auto late = replayed(*log, -1, true);
  CHECK(late->output == "out\n");
  CHECK(late->types() == strings({"result"}));
}

TEST_CASE("a follower that went away gets nothing more", "[logs][container_log]") {
  TempDir dir;
  auto log = make_log(dir / "log");
  auto dropped = std::make_shared<FakeCaller>(1);
  auto closed = std::make_shared<FakeCaller>(2);
  auto staying = std::make_shared<FakeCaller>(3);
  for (auto& f : {dropped, closed, staying}) log->replay(f, -1, true);
  log->drop_follower(dropped->serial());
  closed->close();
  log->append(Stream::Stdout, "x");
  CHECK(dropped->output.empty());
  CHECK(closed->output.empty());
  CHECK(staying->output == "x");
  log->finish(api::Exit{0, std::nullopt});
  CHECK(dropped->messages.empty());
  CHECK(staying->types() == strings({"result"}));
}

TEST_CASE("capture waits while the attached client is behind, until it reads or goes away",
          "[logs][container_log]") {
  TempDir dir;
  auto log = make_log(dir / "log");
  auto attached = std::make_shared<FakeCaller>(1, true);
  log->attach(attached);
  CHECK_FALSE(log->reader_behind());
  log->append(Stream::Stdout, std::string(kAttachedBacklog, 'x'));
  REQUIRE(log->reader_behind());
  int resumed = 0;
  log->wait_for_reader([&] { ++resumed; });
  log->wait_for_reader([&] { ++resumed; });  // the other pipe
  CHECK(resumed == 0);
  attached->drain();
  CHECK(resumed == 2);
  CHECK_FALSE(log->reader_behind());

  log->append(Stream::Stdout, std::string(kAttachedBacklog, 'y'));
  log->wait_for_reader([&] { ++resumed; });
  attached->close();  // nobody is owed the output any more
  CHECK(resumed == 3);
  CHECK_FALSE(log->reader_behind());
}

TEST_CASE("a replay goes on as the client reads, and counts what the ring evicted meanwhile",
          "[logs][container_log]") {
  TempDir dir;
  auto log = make_log(dir / "log", 3 * (kRecordOverhead + 4));
  log->append(Stream::Stdout, "aaa\n");
  log->append(Stream::Stderr, "bbb\n");
  log->append(Stream::Stdout, "ccc\n");
  auto reader = std::make_shared<FakeCaller>(1, true);
  log->replay(reader, -1, false);
  CHECK(reader->output == "aaa\n");  // then its queue is not empty
  CHECK(reader->messages.empty());
  reader->drain();
  CHECK(reader->output == "aaa\nbbb\n");

  // Four records arrive while the client reads: "cccc" and "dddd" go unsent.
  log->append(Stream::Stdout, "ddd\n");
  log->append(Stream::Stdout, "eee\n");
  log->append(Stream::Stdout, "fff\n");
  log->append(Stream::Stdout, "ggg\n");
  reader->drain();
  REQUIRE(reader->types() == strings({"notice"}));
  CHECK(reader->messages[0]["dropped_bytes"] == 8);
  while (reader->queued > 0) reader->drain();
  CHECK(reader->output == "aaa\nbbb\neee\nfff\nggg\n");
  CHECK(reader->types() == strings({"notice", "result"}));
}

TEST_CASE("a replay whose container was removed is told so", "[logs][container_log]") {
  TempDir dir;
  auto log = make_log(dir / "log");
  log->append(Stream::Stdout, "first\n");
  log->append(Stream::Stdout, "second\n");
  auto reader = std::make_shared<FakeCaller>(1, true);
  log->replay(reader, -1, false);
  log.reset();
  reader->drain();
  CHECK(reader->output == "first\n");
  REQUIRE(reader->types() == strings({"error"}));
  CHECK(reader->messages[0]["message"] ==
        "container 0123456789ab was removed while its logs were read");
}

TEST_CASE("after a restart the ring is read back from its file when first needed",
          "[logs][container_log]") {
  TempDir dir;
  make_log(dir / "log")->append(Stream::Stdout, "before the restart\n");

  auto loaded = ContainerLog::load(kId, dir / "log", 1 << 20, false);
  CHECK_FALSE(loaded->dropped_bytes());  // not read back yet: the state file knows better
  auto reader = replayed(*loaded, -1, true);
  CHECK(reader->output == "before the restart\n");
  CHECK(loaded->dropped_bytes() == 0u);
  CHECK(reader->messages.empty());  // a running container: following

  // A re-adopted container writes on into the same file.
  auto readopted = ContainerLog::load(kId, dir / "log", 1 << 20, false);
  readopted->reopen();
  readopted->append(Stream::Stderr, "after\n");
  auto exited = ContainerLog::load(kId, dir / "log", 1 << 20, true);
  auto late = replayed(*exited, -1, true);
  CHECK(late->output == "before the restart\nafter\n");
  CHECK(late->streams == strings({"stdout", "stderr"}));
  CHECK(late->types() == strings({"result"}));
}

TEST_CASE("spooled output joins the log and its file, its loss counted as dropped",
          "[logs][container_log]") {
  TempDir dir;
  make_log(dir / "log")->append(Stream::Stdout, "kept\n", 100);

  // The container ended while no asupd ran: its log is not open until the import.
  auto log = ContainerLog::load(kId, dir / "log", 1 << 20, true);
  Spooled spool{{{200, Stream::Stdout, "spooled\n"}, {300, Stream::Stderr, "last\n"}}, 7};
  log->import_spool(spool);
  CHECK(log->dropped_bytes() == 5u + 7u);  // the ring's older records go with the gap

  auto reader = replayed(*log, -1, false);
  REQUIRE(reader->types() == strings({"notice", "result"}));
  CHECK(reader->messages[0]["dropped_bytes"] == 12);
  CHECK(reader->output == "spooled\nlast\n");
  CHECK(reader->streams == strings({"stdout", "stderr"}));
  auto on_disk = RingFile::read_all(dir / "log");
  REQUIRE(on_disk);
  CHECK(on_disk.value().size() == 3);
  CHECK(RingFile::read_dropped(dir / "log") == 7);

  // Imported again (asupd died before deleting the spool): nothing twice.
  auto reloaded = ContainerLog::load(kId, dir / "log", 1 << 20, true);
  reloaded->import_spool(spool);
  on_disk = RingFile::read_all(dir / "log");
  REQUIRE(on_disk);
  CHECK(on_disk.value().size() == 3);
  CHECK(RingFile::read_dropped(dir / "log") == 7);
}

TEST_CASE("a line waits for its newline: followers see it at once", "[logs][log_lines]") {
  TempDir dir;
  auto log = make_log(dir / "log");
  auto follower = replayed(*log, -1, true);
  log->append(Stream::Stdout, "one\ntw", 100);
  CHECK(follower->output == "one\ntw");
  CHECK(replayed(*log, -1, false)->output == "one\n");
  log->append(Stream::Stderr, "err\n", 150);
  log->append(Stream::Stdout, "o\nthr", 200);
  auto reader = replayed(*log, -1, false);
  CHECK(reader->output == "one\nerr\ntwo\n");
  CHECK(reader->streams == strings({"stdout", "stderr", "stdout"}));
  // A line's record carries the time it was finished.
  auto on_disk = RingFile::read_all(dir / "log");
  REQUIRE(on_disk);
  REQUIRE(on_disk.value().size() == 3);
  CHECK(on_disk.value()[2] == Record{200, Stream::Stdout, "two\n"});

  // A `logs -f` that starts now sees the unfinished line, then its end live.
  auto late = replayed(*log, -1, true);
  CHECK(late->output == "one\nerr\ntwo\nthr");
  log->append(Stream::Stdout, "ee\n", 300);
  CHECK(late->output == "one\nerr\ntwo\nthree\n");

  // At EOF a last line without a newline is kept as it is.
  log->append(Stream::Stdout, "last", 400);
  log->end_stream(Stream::Stdout);
  CHECK(replayed(*log, -1, false)->output == "one\nerr\ntwo\nthree\nlast");
}

TEST_CASE("a line longer than a piece is stored in pieces", "[logs][log_lines]") {
  TempDir dir;
  auto log = make_log(dir / "log");
  log->append(Stream::Stdout, std::string(kMaxLinePiece - 1, 'a'));
  CHECK(replayed(*log, -1, false)->output.empty());
  log->append(Stream::Stdout, "bb");
  CHECK(replayed(*log, -1, false)->output == std::string(kMaxLinePiece - 1, 'a') + "bb");
  log->append(Stream::Stdout, "c\n");
  CHECK(replayed(*log, -1, false)->output == std::string(kMaxLinePiece - 1, 'a') + "bbc\n");
}

TEST_CASE("a ring smaller than the output starts with a whole line", "[logs][log_lines]") {
  TempDir dir;
  auto log = make_log(dir / "log", 4096);
  std::string all;
  for (int i = 0; i < 500; ++i) {
    // Lines across chunk boundaries: each chunk ends mid-line.
    std::string chunk = "line " + std::to_string(i) + "\nline " + std::to_string(i) + "b ";
    log->append(Stream::Stdout, chunk);
  }
  log->end_stream(Stream::Stdout);
  auto out = replayed(*log, -1, false)->output;
  REQUIRE(out.size() > 500);  // each record is charged its overhead too
  CHECK(out.size() <= 4096);
  CHECK(out.rfind("line ", 0) == 0);
  // Every line is one the container wrote, whole.
  std::size_t pos = 0;
  while (pos < out.size()) {
    auto nl = out.find('\n', pos);
    std::string line = out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    CHECK(line.rfind("line ", 0) == 0);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
}

TEST_CASE("flag --since and --until pick records by arrival time", "[logs][log_lines]") {
  TempDir dir;
  auto log = make_log(dir / "log");
  log->append(Stream::Stdout, "a1\na2\n", 100);
  log->append(Stream::Stderr, "b\n", 200);
  log->append(Stream::Stdout, "c1\nc2\n", 300);
  CHECK(replayed(*log, -1, false, {150, 0})->output == "b\nc1\nc2\n");
  CHECK(replayed(*log, -1, false, {200, 0})->output == "b\nc1\nc2\n");
  CHECK(replayed(*log, -1, false, {301, 0})->output.empty());
  CHECK(replayed(*log, -1, false, {0, 250})->output == "a1\na2\nb\n");
  CHECK(replayed(*log, -1, false, {0, 300})->output == "a1\na2\nb\nc1\nc2\n");
  CHECK(replayed(*log, -1, false, {150, 250})->output == "b\n");
  // --tail counts from the end of the whole log, then the range applies (as Docker does).
  CHECK(replayed(*log, 2, false, {0, 0})->output == "c1\nc2\n");
  CHECK(replayed(*log, 4, false, {150, 0})->output == "b\nc1\nc2\n");
  CHECK(replayed(*log, 3, false, {0, 250})->output == "b\n");
}

TEST_CASE("a follower with --until ends at that time", "[logs][log_lines]") {
  TempDir dir;
  auto log = make_log(dir / "log");
  log->append(Stream::Stdout, "before\n", 100);
  const std::int64_t until = realtime_ns() + 3'600'000'000'000;
  auto follower = replayed(*log, -1, true, {0, until});
  CHECK(follower->messages.empty());  // following
  log->append(Stream::Stdout, "within\n", until - 1);
  log->append(Stream::Stdout, "after\n", until + 1);
  CHECK(follower->output == "before\nwithin\n");
  CHECK(follower->types() == strings({"result"}));

  // Ended by the daemon's timer with nothing written.
  auto other = make_log(dir / "other");
  other->append(Stream::Stdout, "only\n", 100);
  auto quiet = replayed(*other, -1, true, {0, until});
  CHECK(quiet->messages.empty());
  other->end_follow(quiet->serial());
  CHECK(quiet->types() == strings({"result"}));
  other->append(Stream::Stdout, "more\n");
  CHECK(quiet->output == "only\n");

  // An --until already past: the replay and no following.
  auto past = replayed(*log, -1, true, {0, 150});
  CHECK(past->output == "before\n");
  CHECK(past->types() == strings({"result"}));
}
