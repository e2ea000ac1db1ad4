// Containers outlive asupd: a new daemon on the same directories re-adopts the running
// ones, reports the exact exit code of those that ended meanwhile, and loses no output.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

bool fs_touch(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

nlohmann::json ps_row(Daemon& d, const std::string& id) {
  auto r = d.run({"ps", "-a", "--format", "json"});
  for (auto& line : lines(r.out)) {
    auto row = nlohmann::json::parse(line, nullptr, false);
    if (row.is_object() && row.value("ID", "") == id.substr(0, 12)) return row;
  }
  return nlohmann::json::object();
}

void check_restart(Daemon& d, bool crash) {
  // "during" is written once the test says so, while no daemon runs; a shared dir is how
  // the test and the container meet without one.
  const std::string sync = d.dir() + "/sync";
  REQUIRE(::mkdir(sync.c_str(), 0755) == 0);
  std::string running = d.run_detached(
      {"--name", "long", "-v", sync + ":/sync", "busybox", "sh", "-c",
       "echo before; while [ ! -e /sync/go ]; do sleep 0.02; done; echo during; touch /sync/done; "
       "exec sleep 1000"});
  std::string exited = d.run_detached({"busybox", "sh", "-c", "exit 3"});
  std::string later = d.run_detached({"busybox", "sh", "-c", "sleep 2; exit 7"});
  std::string killed = d.run_detached({"busybox", "sleep", "1000"});
  REQUIRE(d.wait_status(exited, "exited"));
  REQUIRE(d.wait_logs(running, "before"));
  REQUIRE(d.wait_status(killed, "running"));
  pid_t running_pid = d.inspect(running)["State"]["Pid"].get<int>();
  pid_t later_pid = d.inspect(later)["State"]["Pid"].get<int>();
  pid_t killed_pid = d.inspect(killed)["State"]["Pid"].get<int>();
  REQUIRE(running_pid > 0);
  REQUIRE(later_pid > 0);

  if (crash)
    d.crash_daemon();
  else
    d.stop_daemon();
  // The containers keep running without a daemon.
  CHECK(process_alive(running_pid));
  CHECK(process_alive(killed_pid));
  // One ends by itself, one is killed from outside while nobody watches.
  CHECK(eventually([&] { return !process_alive(later_pid); }, 15));
  ::kill(killed_pid, SIGKILL);
  CHECK(eventually([&] { return !process_alive(killed_pid); }, 5));
  REQUIRE(fs_touch(sync + "/go"));
  CHECK(eventually([&] { return ::access((sync + "/done").c_str(), F_OK) == 0; }, 15));
  CHECK(process_alive(running_pid));

  d.start_daemon();

  auto row = ps_row(d, running);
  INFO(row.dump());
  CHECK(row["State"] == "running");
  CHECK(row["Status"].get<std::string>().rfind("Up", 0) == 0);
  row = ps_row(d, exited);
  INFO(row.dump());
  CHECK(row["State"] == "exited");
  CHECK_THAT(row["Status"].get<std::string>(), Contains("Exited (3)"));
  row = ps_row(d, later);
  INFO(row.dump());
  CHECK(row["State"] == "exited");
  CHECK_THAT(row["Status"].get<std::string>(), Contains("Exited (7)"));

  auto j = d.inspect(later);
  CHECK(j["State"]["ExitCode"] == 7);
  CHECK(j["State"]["Status"] == "exited");
  // Its init was SIGKILLed from outside: no record, and no parent alive to learn the status.
  j = d.inspect(killed);
  CHECK(j["State"]["Status"] == "exited");
  CHECK(j["State"]["ExitCode"] != 0);
  j = d.inspect(running);
  CHECK(j["State"]["Status"] == "running");
  CHECK(j["State"]["Pid"] == running_pid);
  CHECK(d.inspect(exited)["State"]["ExitCode"] == 3);
  CHECK(trim(d.run({"ps", "-q"}).out) == running.substr(0, 12));

  // Output written while no daemon was there is not lost.
  auto logs = d.run({"logs", "long"});
  INFO(logs);
  CHECK(logs.out == "before\nduring\n");

  auto r = d.run({"exec", "long", "cat", "/etc/hostname"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == running.substr(0, 12) + "\n");

  auto waiter = d.spawn({"wait", "long"});
  auto follower = d.spawn({"logs", "-f", "long"});
  r = d.run({"stop", "-t", "2", "long"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.seconds < 5);
  CHECK(d.inspect(running)["State"]["ExitCode"] == 143);
  CHECK(eventually([&] { return !process_alive(running_pid); }, 5));
  REQUIRE(waiter.wait(10));
  CHECK(waiter.out() == "143\n");
  REQUIRE(follower.wait(10));
  CHECK(follower.out() == "before\nduring\n");

  // The new daemon runs new containers as usual, and cleans up the adopted ones.
  r = d.run({"run", "--rm", "busybox", "echo", "fresh"});
  CHECK(r.out == "fresh\n");
  r = d.run({"rm", running, later, exited, killed});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(trim(d.run({"ps", "-aq"}).out) == "");
  CHECK(eventually(
      [&] {
        for (auto& id : {running, later, exited, killed})
          if (is_directory(d.cgroup_dir("memory", id)) || is_directory(d.container_dir(id)))
            return false;
        return true;
      },
      5));
}

}  // namespace

TEST_CASE("a restarted asupd re-adopts running containers and keeps exit codes",
          "[integration][restart]") {
  Daemon d;
  check_restart(d, false);
}

TEST_CASE("after an asupd crash the next one re-adopts the containers", "[integration][restart]") {
  Daemon d;
  check_restart(d, true);
}

TEST_CASE("a second asupd on the same run root is refused", "[integration][restart]") {
  Daemon d;
  Process second({bin_path("asupd"), "--root", d.root(), "--run-root", d.run_root(),
                  "--cgroup-parent", d.cgroup_parent()});
  REQUIRE(second.wait(10));
  auto r = second.result();
  INFO(r);
  CHECK(r.code != 0);
  CHECK_THAT(r.err + r.out, Contains("another asupd"));
  auto ps = d.run({"ps"});
  CHECK(ps.code == 0);
}

TEST_CASE("output written while asupd is down is kept in full", "[integration][restart][logs]") {
  Daemon d;
  auto images_before = d.run({"images", "-q"}).out;
  // 200 KB, more than a pipe holds, written while no daemon reads.
  std::string id = d.run_detached(
      {"busybox", "sh", "-c",
       "sleep 1; head -c 200000 /dev/zero | tr '\\0' a; echo; echo done >&2; exit 5"});
  pid_t pid = d.inspect(id)["State"]["Pid"].get<int>();
  REQUIRE(pid > 0);
  d.stop_daemon();
  // The container ends while no daemon runs: its pid leaves once the output is safe.
  CHECK(eventually([&] { return !process_alive(pid); }, 15));
  d.start_daemon();
  REQUIRE(d.wait_status(id, "exited"));
  CHECK(d.inspect(id)["State"]["ExitCode"] == 5);
  auto r = d.run({"logs", id});
  CHECK(r.out.size() == 200001);
  CHECK(r.out == std::string(200000, 'a') + "\n");
  CHECK(r.err == "done\n");
  CHECK(d.run({"images", "-q"}).out == images_before);
}

TEST_CASE("a start asupd did not see through is listed as exited, and --rm leaves nothing",
          "[integration][restart]") {
  Daemon d;
  // A container's state.json appears once it runs; a directory with only its config is
  // what a crash in the middle of a start leaves.
  std::string id = d.run_detached({"busybox", "true"});
  REQUIRE(d.wait_status(id, "exited"));
  d.stop_daemon();
  REQUIRE(::unlink((d.container_dir(id) + "/state.json").c_str()) == 0);
  REQUIRE(::unlink((d.run_root() + "/containers/" + id + "/exit.json").c_str()) == 0);
  d.start_daemon();
  auto info = d.inspect(id);
  INFO(info.dump());
  CHECK(info["State"]["Status"] == "exited");
  CHECK(info["State"]["ExitCode"] == 255);
  CHECK_THAT(info["State"]["Error"].get<std::string>(), Contains("asupd stopped while starting"));
  CHECK(d.run({"rm", id}).code == 0);

  // --rm: no state is written on exit, and the directory goes.
  auto r = d.run({"run", "--rm", "--name", "gone", "busybox", "true"});
  CHECK(r.code == 0);
  CHECK(d.run({"ps", "-a", "-q"}).out.empty());
  // The directory goes on asupd's worker pool, just after the exit was reported.
  CHECK(eventually(
      [&] {
        std::error_code ec;
        return std::filesystem::is_empty(d.root() + "/containers", ec);
      },
      5));
}

namespace {

// Whether `pid` sits in read(2): a client that sent its request waits for the reply.
bool blocked_in_read(pid_t pid) {
  return read_text("/proc/" + std::to_string(pid) + "/syscall").rfind("0 ", 0) == 0;
}

// PIDFD_INFO_EXIT, which gives a non-parent the status of a process it holds a pidfd of,
// came with Linux 6.15.
bool kernel_has_pidfd_exit_info() {
  struct utsname u;
  if (::uname(&u) != 0) return false;
  int major = 0, minor = 0;
  std::sscanf(u.release, "%d.%d", &major, &minor);
  return major > 6 || (major == 6 && minor >= 15);
}

}  // namespace

TEST_CASE("a re-adopted container killed by a signal reports 128+N like a fresh one",
          "[integration][restart]") {
  Daemon d;
  std::string killed = d.run_detached({"busybox", "sleep", "1000"});
  std::string stopped = d.run_detached(
      {"busybox", "sh", "-c", "trap '' TERM; echo up; while true; do sleep 0.1; done"});
  std::string removed = d.run_detached({"busybox", "sleep", "1000"});
  std::string termed = d.run_detached({"busybox", "sleep", "1000"});
  std::string outside = d.run_detached({"busybox", "sleep", "1000"});
  for (auto& id : {killed, stopped, removed, termed, outside})
    REQUIRE(d.wait_status(id, "running"));
  REQUIRE(d.wait_logs(stopped, "up"));
  d.crash_daemon();
  d.start_daemon();
  for (auto& id : {killed, stopped, removed, termed, outside}) REQUIRE(d.status(id) == "running");

  auto r = d.run({"kill", killed});
  INFO(r);
  CHECK(r.code == 0);
  REQUIRE(d.wait_status(killed, "exited"));
  CHECK(d.inspect(killed)["State"]["ExitCode"] == 137);

  // SIGTERM is ignored; SIGKILL follows after the timeout.
  r = d.run({"stop", "-t", "1", stopped});
  CHECK(r.code == 0);
  CHECK(d.inspect(stopped)["State"]["ExitCode"] == 137);

  // The waiter's request must be in before the removal hides the container from lookups:
  // it has sent it once it blocks reading its reply.
  auto waiter = d.spawn({"wait", removed});
  REQUIRE(eventually([&] { return blocked_in_read(waiter.pid()); }, 10));
  r = d.run({"rm", "-f", removed});
  CHECK(r.code == 0);
  REQUIRE(waiter.wait(20));
  INFO("waiter stderr: " << waiter.err());
  CHECK(waiter.out() == "137\n");
  CHECK(d.try_run({"inspect", removed}).code != 0);

  // A signal asup-init forwards is recorded by asup-init itself.
  r = d.run({"kill", "-s", "TERM", termed});
  CHECK(r.code == 0);
  REQUIRE(d.wait_status(termed, "exited"));
  CHECK(d.inspect(termed)["State"]["ExitCode"] == 143);

  // asup-init killed by someone else: the status comes from its pidfd.
  pid_t pid = d.inspect(outside)["State"]["Pid"].get<int>();
  REQUIRE(::kill(pid, SIGKILL) == 0);
  REQUIRE(d.wait_status(outside, "exited"));
  if (kernel_has_pidfd_exit_info())
    CHECK(d.inspect(outside)["State"]["ExitCode"] == 137);
  else
    CHECK(d.inspect(outside)["State"]["ExitCode"] != 0);

  // The same as a container this asupd started.
  std::string fresh = d.run_detached({"busybox", "sleep", "1000"});
  REQUIRE(d.wait_status(fresh, "running"));
  CHECK(d.run({"kill", fresh}).code == 0);
  REQUIRE(d.wait_status(fresh, "exited"));
  CHECK(d.inspect(fresh)["State"]["ExitCode"] == 137);
}
