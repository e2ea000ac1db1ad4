// logs as Docker prints it line by line: -t stamps on every line, --since/--until in
// Docker's forms, --tail with them, whole lines in a small ring, --details.
#include <sys/stat.h>
#include <time.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

const std::regex kStamped(R"(^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z) (.*)$)");

std::int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// RFC 3339 with nanoseconds, in UTC or at a fixed offset east of it.
std::string rfc3339(std::int64_t ns, int offset_minutes = 0) {
  time_t secs = static_cast<time_t>(ns / 1'000'000'000) + offset_minutes * 60;
  struct tm tm {};
  ::gmtime_r(&secs, &tm);
  char buf[80];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char zone[16] = "Z";
  if (offset_minutes != 0)
    std::snprintf(zone, sizeof zone, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+',
                  std::abs(offset_minutes) / 60, std::abs(offset_minutes) % 60);
  char out[128];
  std::snprintf(out, sizeof out, "%s.%09lldZ", buf, static_cast<long long>(ns % 1'000'000'000));
  if (offset_minutes != 0) {
    std::string s(out);
    s.pop_back();
    return s + zone;
  }
  return out;
}

// A directory the container sees at /sync, where the test drops files it waits for.
struct SyncDir {
  explicit SyncDir(const Daemon& d) : path(d.dir() + "/sync") { ::mkdir(path.c_str(), 0755); }
  void touch(const std::string& name) const { std::ofstream(path + "/" + name) << "go"; }
  std::string mount() const { return path + ":/sync"; }
  std::string path;
};

}  // namespace

TEST_CASE("logs -t stamps every line of one write in Docker's format",
          "[integration][logs][logs_time]") {
  Daemon d;
  // One write of three lines and a last line without a newline.
  std::string id = d.run_detached({"busybox", "printf", "one\\ntwo\\nthree\\nlast"});
  REQUIRE(d.wait_status(id, "exited"));
  auto plain = d.run({"logs", id});
  CHECK(plain.out == "one\ntwo\nthree\nlast");

  auto r = d.run({"logs", "-t", id});
  INFO(r);
  REQUIRE(r.code == 0);
  auto rows = lines(r.out);
  REQUIRE(rows.size() == 4);
  std::vector<std::string> stamps, texts;
  for (auto& row : rows) {
    std::smatch m;
    INFO(row);
    REQUIRE(std::regex_match(row, m, kStamped));
    stamps.push_back(m[1]);
    texts.push_back(m[2]);
  }
  CHECK(texts == std::vector<std::string>{"one", "two", "three", "last"});
  // The three lines arrived together; the stamps are of today.
  CHECK(stamps[0] == stamps[1]);
  CHECK(stamps[1] == stamps[2]);
  CHECK(stamps[0].substr(0, 4) == rfc3339(now_ns()).substr(0, 4));
  CHECK(r.out.back() != '\n');  // printed without a newline, as written

  // --tail 2 -t: the last two lines, each stamped.
  r = d.run({"logs", "--tail", "2", "-t", id});
  rows = lines(r.out);
  REQUIRE(rows.size() == 2);
  std::smatch m;
  REQUIRE(std::regex_match(rows[0], m, kStamped));
  CHECK(m[2] == "three");
  REQUIRE(std::regex_match(rows[1], m, kStamped));
  CHECK(m[2] == "last");
}

TEST_CASE("logs --since and --until split output at a time between two bursts",
          "[integration][logs][logs_time]") {
  Daemon d;
  SyncDir sync(d);
  std::string id =
      d.run_detached({"-v", sync.mount(), "busybox", "sh", "-c",
                      "echo first1; echo first2 >&2; while [ ! -e /sync/go ]; do sleep 0.05; done; "
                      "echo second1; echo second2 >&2"});
  REQUIRE(d.wait_logs(id, "first2"));
  const std::int64_t between = now_ns();
  sync.touch("go");
  REQUIRE(d.wait_status(id, "exited"));

  for (const std::string& since :
       {rfc3339(between), rfc3339(between, 60), rfc3339(between, -330),
        std::to_string(between / 1'000'000'000) + "." +
            std::to_string(1'000'000'000 + between % 1'000'000'000).substr(1)}) {
    auto r = d.run({"logs", "--since", since, id});
    INFO(since << "\n" << r);
    CHECK(r.code == 0);
    CHECK(r.out == "second1\n");
    CHECK(r.err == "second2\n");
  }
  auto r = d.run({"logs", "--until", rfc3339(between), id});
  INFO(r);
  CHECK(r.out == "first1\n");
  CHECK(r.err == "first2\n");
  // Relative to now: an hour back holds everything, a time in the future nothing.
  r = d.run({"logs", "--since", "1h", id});
  CHECK(r.out == "first1\nsecond1\n");
  r = d.run({"logs", "--since", "1h30m", "--until=-1h", id});
  CHECK(r.out == "first1\nsecond1\n");
  r = d.run({"logs", "--since=-1h", id});
  CHECK(r.out.empty());
  r = d.run({"logs", "--until", "1h", id});
  CHECK(r.out.empty());
  // --tail counts from the end of the log, then --since applies. (Which of the two lines
  // of a burst, on two pipes, came last is up to the scheduler.)
  r = d.run({"logs", "--tail", "1", "--since", rfc3339(between), id});
  CHECK((r.out + r.err == "second1\n" || r.out + r.err == "second2\n"));
  r = d.run({"logs", "-t", "--tail", "3", "--until", rfc3339(between), id});
  INFO(r);
  auto rows = lines(r.out + r.err);  // one line of the first burst is among the last three
  REQUIRE(rows.size() == 1);
  std::smatch m;
  REQUIRE(std::regex_match(rows[0], m, kStamped));
  CHECK((m[2] == "first1" || m[2] == "first2"));

  // After a daemon restart the stamps come from the file: the same split.
  d.restart();
  r = d.run({"logs", "--since", rfc3339(between), id});
  CHECK(r.out == "second1\n");
}

TEST_CASE("logs -f --until ends following at that time", "[integration][logs][logs_time]") {
  Daemon d;
  SyncDir sync(d);
  std::string id = d.run_detached({"-v", sync.mount(), "busybox", "sh", "-c",
                                   "echo start; while [ ! -e /sync/stop ]; do sleep 0.1; done"});
  REQUIRE(d.wait_logs(id, "start"));
  auto follower = d.spawn({"logs", "-f", "--until", rfc3339(now_ns() + 1'500'000'000), id});
  REQUIRE(follower.wait(15));
  auto r = follower.result();
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "start\n");
  CHECK(d.status(id) == "running");
  sync.touch("stop");
  REQUIRE(d.wait_status(id, "exited"));
}

TEST_CASE("logs --since and --until refuse what Docker refuses, with its words",
          "[integration][logs][logs_time]") {
  Daemon d;
  std::string id = d.run_detached({"busybox", "echo", "hi"});
  REQUIRE(d.wait_status(id, "exited"));
  auto r = d.try_run({"logs", "--since", "abc", id});
  CHECK(r.code != 0);
  CHECK_THAT(r.err,
             Contains("invalid value for \"since\": failed to parse value as time or duration: "
                      "\"abc\""));
  r = d.try_run({"logs", "--until", "2026-13-01", id});
  CHECK(r.code != 0);
  CHECK_THAT(
      r.err,
      Contains("invalid value for \"until\": parsing time \"2026-13-01\": month out of range"));
}

TEST_CASE("a ring smaller than the output keeps whole lines", "[integration][logs][logs_time]") {
  Daemon d;
  // Lines of varying length, about 12 KB in all, into a 4 KiB ring.
  std::string id = d.run_detached({"--log-size", "4k", "busybox", "awk",
                                   "BEGIN { for (i = 0; i < 500; i++) { s = \"line \" i \" \"; "
                                   "for (j = 0; j < i % 37; j++) s = s \"x\"; print s } }"});
  REQUIRE(d.wait_status(id, "exited"));
  auto check_whole = [](const std::string& out) {
    auto rows = lines(out);
    REQUIRE(rows.size() > 20);
    CHECK(out.back() == '\n');
    std::regex line(R"(^line (\d+) (x*)$)");
    int expected = -1;
    for (auto& row : rows) {
      std::smatch m;
      INFO(row);
      REQUIRE(std::regex_match(row, m, line));
      int n = std::stoi(m[1]);
      CHECK(m[2].length() == static_cast<std::size_t>(n % 37));
      if (expected >= 0) CHECK(n == expected);
      expected = n + 1;
    }
    CHECK(expected == 500);
  };
  auto r = d.run({"logs", id});
  INFO(r);
  CHECK_THAT(r.err, Contains("dropped"));
  check_whole(r.out);
  d.restart();
  check_whole(d.run({"logs", id}).out);
}

TEST_CASE("logs --details puts the log's attributes before each line",
          "[integration][logs][logs_time]") {
  Daemon d;
  std::string id = d.run_detached({"-l", "team=web ops", "-l", "tier=front", "-l", "other=x", "-e",
                                   "REGION=eu", "--log-opt", "labels=tier,team", "--log-opt",
                                   "env=REGION", "busybox", "sh", "-c", "echo one; echo two >&2"});
  REQUIRE(d.wait_status(id, "exited"));
  auto r = d.run({"logs", "--details", id});
  INFO(r);
  CHECK(r.out == "REGION=eu,team=web+ops,tier=front one\n");
  CHECK(r.err == "REGION=eu,team=web+ops,tier=front two\n");
  r = d.run({"logs", "--details", "-t", id});
  std::smatch m;
  std::string row = lines(r.out).at(0);
  REQUIRE(std::regex_match(row, m, kStamped));
  CHECK(m[2] == "REGION=eu,team=web+ops,tier=front one");
  auto config = d.inspect(id)["HostConfig"]["LogConfig"]["Config"];
  CHECK(config["labels"] == "tier,team");

  // No attributes: Docker still puts the separating space.
  std::string plain = d.run_detached({"busybox", "echo", "hi"});
  REQUIRE(d.wait_status(plain, "exited"));
  CHECK(d.run({"logs", "--details", plain}).out == " hi\n");
}
