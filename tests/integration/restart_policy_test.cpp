// --restart with Docker's semantics: which exits bring a container back, how many times,
// what `ps` and `inspect` say meanwhile, what a stop or kill ends, and what an asupd
// restart (clean or a crash) brings back.
#include <signal.h>

#include <catch2/catch.hpp>

#include <sys/socket.h>

#include "harness.hpp"
#include "network_support.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

int restart_count(Daemon& d, const std::string& id) {
  return d.inspect(id)["RestartCount"].get<int>();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("on-failure:N restarts a failing container N times, then leaves it exited",
          "[restart-policy]") {
  Daemon d;
  auto id =
      d.run_detached({"--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 3"});
  REQUIRE(eventually([&] { return restart_count(d, id) == 2 && d.status(id) == "exited"; }, 30));
  auto info = d.inspect(id);
  CHECK(info["State"]["ExitCode"] == 3);
  CHECK(info["HostConfig"]["RestartPolicy"]["Name"] == "on-failure");
  CHECK(info["HostConfig"]["RestartPolicy"]["MaximumRetryCount"] == 2);
  // Three runs, one log.
  CHECK(d.run({"logs", id}).out == "run\nrun\nrun\n");

  // A success is no failure: no restart.
  auto fine = d.run_detached({"--restart", "on-failure", "busybox", "true"});
  REQUIRE(d.wait_status(fine, "exited"));
  CHECK(restart_count(d, fine) == 0);
}

TEST_CASE("always restarts whatever the exit code, with a growing delay, until stopped",
          "[restart-policy]") {
  Daemon d;
  auto id = d.run_detached(
      {"--name", "phoenix", "--restart", "always", "busybox", "sh", "-c", "echo run; exit 5"});
  // The delay doubles from 100 ms: by the fourth restart it waits 800 ms, long enough for
  // ps to be seen saying so.
  REQUIRE(eventually([&] { return restart_count(d, id) >= 3; }, 30));
  CHECK(eventually(
      [&] {
        for (auto& line : lines(d.run({"ps", "--format", "json"}).out)) {
          auto row = nlohmann::json::parse(line, nullptr, false);
          if (row.is_object() && row.value("Names", "") == "phoenix" &&
              row.value("Status", "").rfind("Restarting (5) ", 0) == 0)
            return true;
        }
        return false;
      },
      30));
  auto stop = d.run({"stop", "phoenix"});
  CHECK(stop.code == 0);
  CHECK(d.status(id) == "exited");
  // Every restart counted had its run, but the one the stop cancelled (unless the stop
  // came while it ran).
  const int counted = restart_count(d, id);
  const int runs = static_cast<int>(count_of(d.run({"logs", id}).out, "run\n"));
  CHECK((runs == counted || runs == counted + 1));
  CHECK(d.status(id) == "exited");
  // A manual start counts from zero again (no policy now, so nothing counts after it).
  CHECK(d.run({"update", "--restart", "no", id}).code == 0);
  CHECK(d.try_run({"start", "-a", id}).code == 5);
  CHECK(restart_count(d, id) == 0);
  CHECK(d.run({"rm", "-f", id}).code == 0);
}

TEST_CASE("a restarted container keeps its id, name, files and address", "[restart-policy]") {
  Daemon d;
  const std::string port = std::to_string(free_port(SOCK_STREAM));
  auto id = d.run_detached({"--name", "same", "--restart", "always", "-p", port + ":80", "busybox",
                            "sh", "-c", "echo x >> /runs; echo runs=$(wc -l < /runs); sleep 3600"});
  REQUIRE(d.wait_logs(id, "runs=1"));
  const std::string ip = d.inspect(id)["NetworkSettings"]["IPAddress"];
  const int pid = d.inspect(id)["State"]["Pid"];
  // The workload dies of a signal it did not get from the user: the policy brings it back.
  REQUIRE(::kill(pid, SIGKILL) == 0);
  REQUIRE(d.wait_logs(id, "runs=2"));
  REQUIRE(d.wait_status(id, "running"));
  auto info = d.inspect(id);
  CHECK(info["Name"] == "/same");
  CHECK(info["RestartCount"] == 1);
  CHECK(info["NetworkSettings"]["IPAddress"] == ip);
  CHECK(info["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"] == port);
  CHECK(trim(d.run({"port", id, "80"}).out) == "0.0.0.0:" + port);
  CHECK(d.run({"rm", "-f", id}).code == 0);
}

TEST_CASE("kill ends a restart policy as stop does", "[restart-policy]") {
  Daemon d;
  auto id = d.run_detached({"--restart", "always", "busybox", "sleep", "3600"});
  REQUIRE(d.wait_status(id, "running"));
  CHECK(d.run({"kill", id}).code == 0);
  REQUIRE(d.wait_status(id, "exited"));
  CHECK(d.inspect(id)["State"]["ExitCode"] == 137);
  CHECK(restart_count(d, id) == 0);
  CHECK(d.run({"rm", id}).code == 0);
}

TEST_CASE("restart policies across an asupd crash", "[restart-policy][crash]") {
  Daemon d;
  auto always = d.run_detached({"--restart", "always", "busybox", "sleep", "3600"});
  auto unless = d.run_detached({"--restart", "unless-stopped", "busybox", "sleep", "3600"});
  auto unless_stopped = d.run_detached({"--restart", "unless-stopped", "busybox", "sleep", "3600"});
  auto always_stopped = d.run_detached({"--restart", "always", "busybox", "sleep", "3600"});
  auto plain = d.run_detached({"busybox", "sleep", "3600"});
  for (auto& id : {always, unless, unless_stopped, always_stopped, plain})
    REQUIRE(d.wait_status(id, "running"));
  CHECK(d.run({"stop", "-t", "0", unless_stopped, always_stopped}).code == 0);
  const int always_pid = d.inspect(always)["State"]["Pid"];
  const int unless_pid = d.inspect(unless)["State"]["Pid"];
  const int plain_pid = d.inspect(plain)["State"]["Pid"];

  d.crash_daemon();
  // While no asupd runs, two workloads die.
  REQUIRE(::kill(always_pid, SIGKILL) == 0);
  REQUIRE(::kill(plain_pid, SIGKILL) == 0);
  d.start_daemon();

  // `always` came back, even the one stopped before (Docker's rule for a daemon start);
  // `unless-stopped` kept running and kept its policy; the stopped one stays down.
  CHECK(d.wait_status(always, "running"));
  CHECK(d.wait_status(always_stopped, "running"));
  CHECK(d.status(unless) == "running");
  CHECK(d.inspect(unless)["State"]["Pid"] == unless_pid);
  CHECK(d.status(unless_stopped) == "exited");
  CHECK(d.wait_status(plain, "exited"));
  CHECK(d.inspect(always)["RestartCount"] == 1);

  // The re-adopted container's policy still holds.
  REQUIRE(::kill(unless_pid, SIGKILL) == 0);
  CHECK(eventually([&] { return restart_count(d, unless) == 1 && d.status(unless) == "running"; },
                   30));

  // A clean restart: nothing changes for the running ones.
  d.restart();
  for (auto& id : {always, unless, always_stopped}) CHECK(d.wait_status(id, "running"));
  CHECK(d.status(unless_stopped) == "exited");
  CHECK(d.run({"rm", "-f", always, unless, unless_stopped, always_stopped, plain}).code == 0);
}
