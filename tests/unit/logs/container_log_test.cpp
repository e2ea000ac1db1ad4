// A container's log as its readers see it: live followers, replays of the ring (paced,
// with --tail, across a restart), the attached client at the end, and capture waiting for
// that client.
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
std::shared_ptr<FakeCaller> replayed(ContainerLog& log, long tail, bool follow) {
  static std::uint64_t serial = 100;
  auto reader = std::make_shared<FakeCaller>(++serial);
  log.replay(reader, tail, follow);
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
  small->append(Stream::Stdout, "0123456789");
  small->append(Stream::Stdout, "abcdefghij");
  small->append(Stream::Stdout, "ABCDEFGHIJ");
  auto late = replayed(*small, -1, false);
  REQUIRE(late->types() == strings({"notice", "result"}));
  CHECK(late->messages[0]["dropped_bytes"] == 10);
  CHECK(late->output == "abcdefghijABCDEFGHIJ");
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
  log->append(Stream::Stdout, "aaaa");
  log->append(Stream::Stderr, "bbbb");
  log->append(Stream::Stdout, "cccc");
  auto reader = std::make_shared<FakeCaller>(1, true);
  log->replay(reader, -1, false);
  CHECK(reader->output == "aaaa");  // then its queue is not empty
  CHECK(reader->messages.empty());
  reader->drain();
  CHECK(reader->output == "aaaabbbb");

  // Four records arrive while the client reads: "cccc" and "dddd" go unsent.
  log->append(Stream::Stdout, "dddd");
  log->append(Stream::Stdout, "eeee");
  log->append(Stream::Stdout, "ffff");
  log->append(Stream::Stdout, "gggg");
  reader->drain();
  REQUIRE(reader->types() == strings({"notice"}));
  CHECK(reader->messages[0]["dropped_bytes"] == 8);
  while (reader->queued > 0) reader->drain();
  CHECK(reader->output == "aaaabbbbeeeeffffgggg");
  CHECK(reader->types() == strings({"notice", "result"}));
}

TEST_CASE("a replay whose container was removed is told so", "[logs][container_log]") {
  TempDir dir;
  auto log = make_log(dir / "log");
  log->append(Stream::Stdout, "first");
  log->append(Stream::Stdout, "second");
  auto reader = std::make_shared<FakeCaller>(1, true);
  log->replay(reader, -1, false);
  log.reset();
  reader->drain();
  CHECK(reader->output == "first");
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
