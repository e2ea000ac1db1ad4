// logs: both streams kept apart, --tail, -t, -f, and the bounded ring that drops the oldest
// output and says how much.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <regex>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

TEST_CASE("logs returns what the container wrote, on the right streams", "[integration][logs]") {
  Daemon d;
  std::string id =
      d.run_detached({"busybox", "sh", "-c", "echo out1; echo err1 >&2; echo out2; exit 2"});
  REQUIRE(d.wait_status(id, "exited"));
  auto r = d.run({"logs", id});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "out1\nout2\n");
  CHECK(r.err == "err1\n");

  // An attached run is logged too.
  r = d.run({"run", "--name", "att", "busybox", "echo", "attached"});
  CHECK(r.out == "attached\n");
  r = d.run({"logs", "att"});
  CHECK(r.out == "attached\n");

  // A container that wrote nothing has empty logs.
  std::string quiet = d.run_detached({"busybox", "true"});
  REQUIRE(d.wait_status(quiet, "exited"));
  r = d.run({"logs", quiet});
  CHECK(r.code == 0);
  CHECK(r.out == "");
  CHECK(r.err == "");
}

TEST_CASE("logs --tail and -t", "[integration][logs]") {
  Daemon d;
  std::string id =
      d.run_detached({"busybox", "sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done"});
  REQUIRE(d.wait_status(id, "exited"));
  auto r = d.run({"logs", "--tail", "2", id});
  INFO(r);
  CHECK(r.out == "line4\nline5\n");
  r = d.run({"logs", "--tail", "0", id});
  CHECK(r.out == "");
  r = d.run({"logs", "--tail", "100", id});
  CHECK(r.out == "line1\nline2\nline3\nline4\nline5\n");
  r = d.run({"logs", "-n", "1", id});
  CHECK(r.out == "line5\n");

  r = d.run({"logs", "-t", id});
  INFO(r);
  REQUIRE(r.code == 0);
  auto rows = lines(r.out);
  REQUIRE(rows.size() == 5);
  std::regex stamped(
      R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}) line\d$)");
  for (auto& row : rows) {
    INFO(row);
    CHECK(std::regex_match(row, stamped));
  }
  // The stamps are of today, not of 1970.
  time_t now = ::time(nullptr);
  struct tm tm;
  ::gmtime_r(&now, &tm);
  char year[16];
  std::snprintf(year, sizeof year, "%04d", tm.tm_year + 1900);
  CHECK(rows[0].rfind(year, 0) == 0);

  r = d.run({"logs", "-t", "--tail", "1", id});
  REQUIRE(lines(r.out).size() == 1);
  CHECK(std::regex_match(lines(r.out)[0], stamped));
  CHECK_THAT(r.out, Contains(" line5"));
}

TEST_CASE("logs -f streams output as it comes and returns when the container exits",
          "[integration][logs]") {
  Daemon d;
  std::string id = d.run_detached(
      {"busybox", "sh", "-c", "echo one; sleep 2; echo two >&2; sleep 1; echo three"});
  auto follower = d.spawn({"logs", "-f", id});
  REQUIRE(follower.wait_for([&] { return contains(follower.out(), "one\n"); }, 10));
  auto first = std::chrono::steady_clock::now();
  CHECK_FALSE(contains(follower.out(), "three"));
  CHECK_FALSE(follower.exited());
  REQUIRE(follower.wait(20));
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - first).count();
  auto r = follower.result();
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "one\nthree\n");
  CHECK(r.err == "two\n");
  CHECK(waited > 1.5);  // it did wait for the container, not return the first chunk
  CHECK(d.status(id) == "exited");

  // Following an exited container returns at once with everything.
  r = d.run({"logs", "-f", id}, "", 10);
  CHECK(r.code == 0);
  CHECK(r.out == "one\nthree\n");
  CHECK(r.seconds < 3);

  // -f with --tail: only the last lines of what is there, then the new ones.
  std::string id3 =
      d.run_detached({"busybox", "sh", "-c", "echo x1; echo x2; echo x3; sleep 1; echo x4"});
  REQUIRE(d.wait_logs(id3, "x3"));
  auto tailer = d.spawn({"logs", "-f", "--tail", "1", id3});
  REQUIRE(tailer.wait(20));
  CHECK(tailer.out() == "x3\nx4\n");

  // Two followers at once get the same bytes; a follower started late sees the earlier
  // output first.
  std::string id2 = d.run_detached(
      {"busybox", "sh", "-c", "echo a; sleep 1; for i in $(seq 1 200); do echo b$i; done"});
  auto f1 = d.spawn({"logs", "-f", id2});
  auto f2 = d.spawn({"logs", "-f", id2});
  REQUIRE(f1.wait(20));
  REQUIRE(f2.wait(20));
  CHECK(f1.out() == f2.out());
  CHECK(lines(f1.out()).size() == 201);
  CHECK(f1.out().rfind("a\nb1\n", 0) == 0);
}

TEST_CASE("a full log ring drops the oldest output and counts it", "[integration][logs]") {
  Daemon d;
  // 2000 lines of about 50 bytes: ~100 KB into a 16 KiB ring.
  std::string id = d.run_detached(
      {"--log-size", "16k", "busybox", "sh", "-c",
       "i=0; while [ $i -lt 2000 ]; do echo \"line $i padding-padding-padding-padding-pad\"; "
       "i=$((i+1)); done"});
  REQUIRE(d.wait_status(id, "exited"));
  std::size_t total = 0;
  for (int i = 0; i < 2000; ++i)
    total +=
        std::string("line " + std::to_string(i) + " padding-padding-padding-padding-pad\n").size();

  auto r = d.run({"logs", id});
  INFO(r.err);
  INFO("kept " << r.out.size() << " bytes of " << total);
  CHECK(r.code == 0);
  CHECK(r.out.size() <= 16 * 1024);
  CHECK(r.out.size() >= 8 * 1024);
  CHECK(r.out.rfind("line ", 0) == 0);  // the ring starts with a whole line
  const std::string last = "line 1999 padding-padding-padding-padding-pad\n";
  CHECK(r.out.size() >= last.size());
  CHECK(r.out.substr(r.out.size() - std::min(r.out.size(), last.size())) == last);
  CHECK_THAT(r.err, Contains("dropped"));

  auto j = d.inspect(id);
  INFO(j["LogRing"].dump());
  auto dropped = j["LogRing"]["DroppedBytes"].get<std::uint64_t>();
  CHECK(dropped > 0);
  CHECK(dropped + r.out.size() == total);
  CHECK(j["LogRing"]["SizeBytes"] == 16 * 1024);

  r = d.run({"logs", "--tail", "2", id});
  CHECK(r.out == "line 1998 padding-padding-padding-padding-pad\n" + last);

  // The same logs and the same count after a daemon restart: they come from disk now.
  std::string kept = d.run({"logs", id}).out;
  d.restart();
  auto after = d.run({"logs", id});
  INFO(after.err);
  CHECK(after.out.size() == kept.size());
  CHECK(after.out == kept);
  CHECK_THAT(after.err, Contains("dropped"));
  auto dropped_after = d.inspect(id)["LogRing"]["DroppedBytes"].get<std::uint64_t>();
  CHECK(dropped_after == dropped);
  CHECK(dropped_after + after.out.size() == total);

  // What is kept on disk is bounded as well.
  std::error_code ec;
  std::uintmax_t on_disk = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(d.container_dir(id), ec))
    if (e.is_regular_file() && e.path().string().find("/upper/") == std::string::npos)
      on_disk += e.file_size();
  CHECK(on_disk < total);
}

TEST_CASE("large output is captured in full", "[integration][logs]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "busybox", "sh", "-c", "head -c 5000000 /dev/zero | tr '\\0' a"},
                 "", 60);
  CHECK(r.code == 0);
  CHECK(r.out.size() == 5000000);
  CHECK(r.out.find_first_not_of('a') == std::string::npos);
  CHECK(r.seconds < 20);
}

TEST_CASE("logs returns every byte of a ring larger than a client's queue", "[integration][logs]") {
  Daemon d;
  // ~47 MB of numbered lines: far more than the 8 MiB a live follower may fall behind.
  std::string id =
      d.run_detached({"--log-size", "64m", "busybox", "sh", "-c", "seq 1 6000000; echo done >&2"});
  REQUIRE(d.wait_status(id, "exited", 60));
  const std::string expected = seq_text(1, 6000000);

  auto r = d.run({"logs", id}, "", 120);
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.out.size() == expected.size());
  CHECK(r.out == expected);
  CHECK(r.err == "done\n");

  // A reader that takes nothing for two seconds: the daemon waits for it, skips nothing.
  std::string ctl;
  for (auto& a : d.ctl_argv({"logs", id})) ctl += a + " ";
  auto slow = run_tool({"/bin/sh", "-c", ctl + "2>/dev/null | (sleep 2; cat)"}, 120);
  INFO(slow.err);
  CHECK(slow.code == 0);
  CHECK(slow.out.size() == expected.size());
  CHECK(slow.out == expected);

  // --tail still cuts at lines, from a ring this large too (both streams count).
  r = d.run({"logs", "--tail", "3", id}, "", 60);
  CHECK(r.out == "5999999\n6000000\n");
  CHECK(r.err == "done\n");
}

TEST_CASE("logs -f after much output joins the live stream with no gap and no repeat",
          "[integration][logs]") {
  Daemon d;
  // ~20 MB before the follower can have caught up, then more while it replays and after.
  std::string id =
      d.run_detached({"--log-size", "64m", "busybox", "sh", "-c",
                      "seq 1 2500000; seq 2500001 3000000; sleep 1; seq 3000001 3500000; sleep 1; "
                      "seq 3500001 3600000"});
  REQUIRE(d.wait_logs(id, "\n2500000\n", 60));
  auto follower = d.spawn({"logs", "-f", id});
  REQUIRE(follower.wait(120));
  auto r = follower.result();
  INFO(r.err);
  CHECK(r.code == 0);
  const std::string expected = seq_text(1, 3600000);
  CHECK(r.out.size() == expected.size());
  CHECK(r.out == expected);
  CHECK_FALSE(contains(r.err, "skipped"));
}

namespace {

std::size_t rss_kib(pid_t pid) {
  for (auto& line : lines(read_text("/proc/" + std::to_string(pid) + "/status")))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  return 0;
}

std::size_t file_bytes(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
}

}  // namespace

TEST_CASE("one-byte writes cost a ring no more memory or disk than large ones",
          "[integration][logs]") {
  Daemon d;
  // Warm up: the first container's start pays one-time costs (seccomp program, buffers).
  d.run({"run", "--rm", "busybox", "true"});
  const std::size_t baseline = rss_kib(d.daemon_pid());
  REQUIRE(baseline > 0);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i)
    ids.push_back(d.run_detached({"busybox", "sh", "-c", "while :; do printf x; done"}));
  // Until each ring file has rotated twice over: well past the point where the old code
  // held ~15 bytes of memory per byte of ring.
  for (auto& id : ids) {
    const std::string log = d.container_dir(id) + "/log";
    CHECK(eventually(
        [&] {
          auto dropped = std::strtoull(read_text(log + ".dropped").c_str(), nullptr, 10);
          return dropped > 200 * 1024;
        },
        120));
  }
  const std::size_t grown = rss_kib(d.daemon_pid()) - baseline;
  INFO("asupd grew by " << grown << " KiB for four 1 MiB rings");
  CHECK(grown <= 4 * 2048);
  for (auto& id : ids) {
    const std::string log = d.container_dir(id) + "/log";
    INFO(log);
    CHECK(file_bytes(log) + file_bytes(log + ".1") <= 2 * (1 << 20));
    // The newest output is all there.
    auto tail = d.run({"logs", "--tail", "1", id});
    CHECK(tail.out.size() > 1000);
    CHECK(tail.out.find_first_not_of('x') == std::string::npos);
  }
  d.run({"rm", "-f", ids[0], ids[1], ids[2], ids[3]});
}
