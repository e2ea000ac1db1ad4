// Output written while no asupd runs is kept: asup-init spools it, the next asupd imports it
// into the log with its original times and streams, and a container still running takes
// up capture where the spool ends, without losing or repeating a byte.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>

#include "core/time_format.hpp"
#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

std::string numbers(int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += std::to_string(i) + "\n";
  return out;
}

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

pid_t pid_of(Daemon& d, const std::string& id) {
  return d.inspect(id)["State"]["Pid"].get<int>();
}

std::string spool_path(Daemon& d, const std::string& id) {
  return d.run_root() + "/containers/" + id + "/output.spool";
}

void touch(const std::string& path) {
  std::ofstream{path};
}

}  // namespace

TEST_CASE("output written and exited while asupd is dead is kept, with the exit code",
          "[integration][restart][logs]") {
  Daemon d;
  std::string id = d.run_detached({"busybox", "sh", "-c", "echo a; sleep 2; seq 10000; exit 3"});
  REQUIRE(d.wait_logs(id, "a"));
  pid_t pid = pid_of(d, id);
  d.crash_daemon();
  // The container writes and ends while no asupd runs.
  REQUIRE(eventually([&] { return !process_alive(pid); }, 20));
  d.start_daemon();
  REQUIRE(d.wait_status(id, "exited"));
  auto logs = d.run({"logs", id});
  CHECK(logs.out == "a\n" + numbers(1, 10000));
  CHECK(logs.err.empty());
  CHECK(d.inspect(id)["State"]["ExitCode"] == 3);
  // Imported once: a second restart shows the same, from the log file.
  d.restart();
  CHECK(d.run({"logs", id}).out == "a\n" + numbers(1, 10000));
  // The spool is gone once imported.
  CHECK_FALSE(is_directory(spool_path(d, id)));
  CHECK(read_text(spool_path(d, id)).empty());
}

TEST_CASE("each stream keeps its order and every record its time across asupd's death",
          "[integration][restart][logs]") {
  Daemon d;
  std::string id =
      d.run_detached({"busybox", "sh", "-c",
                      "echo before; sleep 1; i=0; while [ $i -lt 300 ]; do i=$((i+1)); echo out$i; "
                      "echo err$i >&2; done; exit 2"});
  REQUIRE(d.wait_logs(id, "before"));
  pid_t pid = pid_of(d, id);
  const std::int64_t crashed = wall_ns();
  d.crash_daemon();
  REQUIRE(eventually([&] { return !process_alive(pid); }, 20));
  const std::int64_t ended = wall_ns();
  d.start_daemon();
  REQUIRE(d.wait_status(id, "exited"));
  CHECK(d.inspect(id)["State"]["ExitCode"] == 2);

  std::string out = "before\n", err;
  for (int i = 1; i <= 300; ++i) {
    out += "out" + std::to_string(i) + "\n";
    err += "err" + std::to_string(i) + "\n";
  }
  auto logs = d.run({"logs", id});
  CHECK(logs.out == out);
  CHECK(logs.err == err);

  // Times are when the output was read during the outage, not when it was imported.
  auto stamped = d.run({"logs", "-t", id});
  const std::string from = asup::rfc3339(crashed), to = asup::rfc3339(ended);
  auto out_lines = lines(stamped.out);
  REQUIRE(out_lines.size() == 301);
  for (std::size_t i = 1; i < out_lines.size(); ++i) {
    INFO(out_lines[i]);
    std::string at = out_lines[i].substr(0, out_lines[i].find(' '));
    CHECK(at >= from);
    CHECK(at <= to);
  }
  auto err_lines = lines(stamped.err);
  REQUIRE(err_lines.size() == 300);
  CHECK(err_lines.front().substr(0, err_lines.front().find(' ')) >= from);
  CHECK(err_lines.back().substr(0, err_lines.back().find(' ')) <= to);
}

TEST_CASE("output beyond the ring while asupd is dead keeps the newest ring-size bytes",
          "[integration][restart][logs]") {
  Daemon d;
  constexpr std::size_t kRing = 64 << 10;
  std::string id = d.run_detached(
      {"--log-size", "64k", "busybox", "sh", "-c", "echo before; sleep 1; seq 100000; exit 9"});
  REQUIRE(d.wait_logs(id, "before"));
  pid_t pid = pid_of(d, id);
  d.crash_daemon();
  REQUIRE(eventually([&] { return !process_alive(pid); }, 20));
  d.start_daemon();
  REQUIRE(d.wait_status(id, "exited"));
  CHECK(d.inspect(id)["State"]["ExitCode"] == 9);

  // The newest bytes that fit: the ring charges each record its overhead too, so it keeps
  // a little less than 64 KiB of payload, and counts the rest as dropped, exactly.
  const std::string all = "before\n" + numbers(1, 100000);
  auto logs = d.run({"logs", id});
  const std::size_t kept = logs.out.size();
  CHECK(kept <= kRing);
  CHECK(kept >= kRing / 2);
  const std::string newest = all.substr(all.size() - kept);
  CHECK(logs.out == newest);
  CHECK_THAT(logs.err, Contains(std::to_string(all.size() - kept) + " bytes of older output "
                                                                    "were dropped"));
  CHECK(d.inspect(id)["LogRing"]["DroppedBytes"] == all.size() - kept);

  // The same after another restart, read back from the log file.
  d.restart();
  logs = d.run({"logs", id});
  CHECK(logs.out == newest);
  CHECK_THAT(logs.err, Contains(std::to_string(all.size() - kept) + " bytes"));
  CHECK(d.inspect(id)["LogRing"]["DroppedBytes"] == all.size() - kept);
}

TEST_CASE("a container writing across asupd's death and restart: every line once, in order",
          "[integration][restart][logs]") {
  Daemon d;
  const std::string sync = d.dir() + "/sync";
  REQUIRE(::mkdir(sync.c_str(), 0755) == 0);
  // Counts without pause from "go" (during the outage) to "stop" (after the restart).
  std::string id = d.run_detached(
      {"-v", sync + ":/sync", "busybox", "sh", "-c",
       "while [ ! -e /sync/go ]; do sleep 0.05; done; i=0; "
       "while [ ! -e /sync/stop ]; do i=$((i+1)); echo $i; "
       "if [ $((i % 100)) = 0 ]; then sleep 0.01; fi; done; echo end $i >&2; exit 4"});
  REQUIRE(d.wait_status(id, "running"));
  pid_t pid = pid_of(d, id);
  d.crash_daemon();
  touch(sync + "/go");
  // Output piles up in the spool while no asupd runs.
  REQUIRE(eventually([&] { return read_text(spool_path(d, id)).size() > 20000; }, 20));
  d.start_daemon();
  CHECK(d.status(id) == "running");
  CHECK(pid_of(d, id) == pid);
  // It goes on after the handover: the log grows past what was spooled.
  const auto imported = d.run({"logs", id}).out;
  REQUIRE(eventually([&] { return d.run({"logs", id}).out.size() > imported.size() + 10000; }, 20));
  touch(sync + "/stop");
  REQUIRE(d.wait_status(id, "exited"));
  CHECK(d.inspect(id)["State"]["ExitCode"] == 4);
  CHECK(read_text(spool_path(d, id)).empty());

  auto logs = d.run({"logs", id});
  auto tail = lines(logs.err);
  REQUIRE(tail.size() == 1);
  REQUIRE(tail[0].rfind("end ", 0) == 0);
  const int last = std::atoi(tail[0].c_str() + 4);
  CHECK(last > 2000);
  CHECK(logs.out == numbers(1, last));
}

TEST_CASE(
    "asupd killed during a burst of starts: every container that ran keeps its line "
    "and its code",
    "[integration][restart][logs]") {
  Daemon d;
  constexpr int kCount = 20;
  std::vector<Process> launches;
  for (int k = 1; k <= kCount; ++k) {
    std::string n = std::to_string(k);
    launches.push_back(
        d.spawn({"run", "-d", "busybox", "sh", "-c", "echo line-" + n + "; exit " + n}));
  }
  // Some have started, others are on their way.
  REQUIRE(eventually(
      [&] {
        int done = 0;
        for (auto& p : launches) {
          p.pump(0);
          if (p.exited()) ++done;
        }
        return done >= 3;
      },
      60));
  d.crash_daemon();
  REQUIRE(eventually([&] { return all_exited(launches); }, 30));
  std::vector<std::string> acknowledged;
  for (auto& p : launches) {
    auto r = p.result();
    if (r.code == 0) acknowledged.push_back(trim(r.out));
  }
  CHECK(acknowledged.size() >= 3);
  d.start_daemon();

  auto ids = lines(d.run({"ps", "-a", "-q"}).out);
  INFO(d.run({"ps", "-a"}).out);
  int ran = 0;
  for (const auto& id : ids) {
    REQUIRE(d.wait_status(id, "exited"));
    auto info = d.inspect(id);
    INFO(info.dump());
    const std::string k = info["Args"][1].get<std::string>().substr(10);  // "echo line-K; ..."
    const int code = std::atoi(k.c_str());
    auto logs = d.run({"logs", id});
    const bool acked = std::any_of(acknowledged.begin(), acknowledged.end(),
                                   [&](const std::string& full) { return full.rfind(id, 0) == 0; });
    if (info["State"]["Error"].get<std::string>().find("stopped while starting") !=
        std::string::npos) {
      // Never ran: the start was cut short before the workload was released.
      CHECK_FALSE(acked);
      CHECK(logs.out.empty());
      continue;
    }
    ++ran;
    CHECK(info["State"]["ExitCode"] == code);
    CHECK(logs.out == "line-" + std::to_string(code) + "\n");
  }
  CHECK(ran >= static_cast<int>(acknowledged.size()));
}
