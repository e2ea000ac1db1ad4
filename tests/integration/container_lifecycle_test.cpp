// The container's life beyond its first run, as a Docker user drives it: create and start,
// start -a and -ai, restart, pause and unpause, rename, update, --stop-signal and
// --stop-timeout. A container that runs again keeps its id, name, files, log and address.
#include <signal.h>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "network_support.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

std::string ip_of(Daemon& d, const std::string& id) {
  return d.inspect(id)["NetworkSettings"]["IPAddress"].get<std::string>();
}

// `ps -a` as JSON lines, by name: what the user sees in the STATUS column.
std::string ps_status(Daemon& d, const std::string& name) {
  for (auto& line : lines(d.run({"ps", "-a", "--format", "json"}).out)) {
    auto row = nlohmann::json::parse(line, nullptr, false);
    if (row.is_object() && row.value("Names", "") == name) return row.value("Status", "");
  }
  return "";
}

}  // namespace

TEST_CASE("create makes a container that start runs, again and again, keeping what it had",
          "[lifecycle][create]") {
  Daemon d;
  auto created = d.run({"create", "--name", "keeper", "busybox", "sh", "-c",
                        "echo run; cat /data 2>/dev/null; echo kept > /data && echo saved; "
                        "sleep 3600"});
  REQUIRE(created.code == 0);
  const std::string id = trim(created.out);
  REQUIRE(id.size() == 64);
  CHECK(d.status(id) == "created");
  CHECK(ps_status(d, "keeper") == "Created");
  CHECK(trim(d.run({"ps", "-q"}).out).empty());  // not running: only ps -a lists it

  auto started = d.run({"start", "keeper"});
  CHECK(started.code == 0);
  CHECK(trim(started.out) == "keeper");
  REQUIRE(d.wait_status(id, "running"));
  REQUIRE(d.wait_logs(id, "saved"));  // its file is written before it is stopped
  const std::string ip = ip_of(d, id);
  CHECK_FALSE(ip.empty());
  const int first_pid = d.inspect(id)["State"]["Pid"];

  // Starting a running container is no error and changes nothing.
  CHECK(d.run({"start", id}).code == 0);
  CHECK(d.inspect(id)["State"]["Pid"] == first_pid);

  CHECK(d.run({"stop", "-t", "1", "keeper"}).code == 0);
  CHECK(d.status(id) == "exited");
  CHECK(d.run({"start", "keeper"}).code == 0);
  REQUIRE(d.wait_logs(id, "kept"));  // its file from the first run is still there
  auto info = d.inspect(id);
  CHECK(info["Id"] == id);
  CHECK(info["Name"] == "/keeper");
  CHECK(info["State"]["Status"] == "running");
  CHECK(info["State"]["Pid"] != first_pid);
  CHECK(ip_of(d, id) == ip);  // its address, still free, is its again
  // One log across both runs.
  REQUIRE(d.wait_logs(id, "kept\nsaved"));
  CHECK(d.run({"logs", id}).out == "run\nsaved\nrun\nkept\nsaved\n");
  CHECK(d.run({"rm", "-f", id}).code == 0);
}

TEST_CASE("create refuses what run refuses, and pulls nothing it has", "[lifecycle][create]") {
  Daemon d;
  auto both = d.try_run({"create", "--rm", "--restart", "always", "busybox", "true"});
  CHECK(both.code == 125);
  CHECK_THAT(both.err, Contains("Conflicting options: --restart and --rm"));
  auto bad = d.try_run({"create", "--restart", "sometimes", "busybox", "true"});
  CHECK(bad.code == 125);
  CHECK_THAT(bad.err, Contains("invalid restart policy: unknown policy 'sometimes'; use one of "
                               "'no', 'always', 'on-failure', or 'unless-stopped'"));
  auto count = d.try_run({"create", "--restart", "always:3", "busybox", "true"});
  CHECK(count.code == 125);
  CHECK_THAT(count.err, Contains("maximum retry count can only be used with 'on-failure'"));
  auto nothing = d.try_run({"create", "--pull", "never", "nosuchimage", "true"});
  CHECK(nothing.code == 125);
  CHECK(trim(d.run({"ps", "-a", "-q"}).out).empty());
}

TEST_CASE("start -a follows the container to its exit code, -i feeds it stdin",
          "[lifecycle][start]") {
  Daemon d;
  auto id = trim(d.run({"create", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"}).out);
  auto r = d.try_run({"start", "-a", id});
  CHECK(r.code == 3);
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  // Again: the same container, the same code, its log holding both runs.
  CHECK(d.try_run({"start", "-a", id}).code == 3);
  CHECK(d.run({"logs", id}).out == "out\nout\n");

  auto reader = trim(d.run({"create", "-i", "busybox", "sh", "-c", "read l; echo got-$l"}).out);
  auto ai = d.spawn({"start", "-ai", reader}, "hello\n");
  REQUIRE(ai.wait(20));
  CHECK(ai.result().code == 0);
  CHECK(ai.result().out == "got-hello\n");
}

TEST_CASE("start names every container it could not start, as Docker does", "[lifecycle][start]") {
  Daemon d;
  auto id = trim(d.run({"create", "--name", "one", "busybox", "sleep", "3600"}).out);
  auto r = d.try_run({"start", "one", "nosuch"});
  CHECK(r.code == 1);
  CHECK(r.out == "one\n");
  CHECK_THAT(r.err, Contains("No such container: nosuch"));
  CHECK_THAT(r.err, Contains("failed to start containers: nosuch"));
  CHECK(d.wait_status(id, "running"));

  auto two = d.try_run({"start", "-a", "one", "one"});
  CHECK(two.code == 1);
  CHECK_THAT(two.err, Contains("you cannot start and attach multiple containers at once"));

  auto missing = trim(d.run({"create", "busybox", "/no/such/command"}).out);
  auto failed = d.try_run({"start", missing});
  CHECK(failed.code == 1);
  CHECK_THAT(failed.err, Contains("/no/such/command"));
  CHECK(d.wait_status(missing, "exited"));
  CHECK(d.inspect(missing)["State"]["ExitCode"] == 127);
  CHECK(d.run({"rm", "-f", id}).code == 0);
}

TEST_CASE("restart stops and starts again, a stopped container is just started",
          "[lifecycle][restart]") {
  Daemon d;
  auto id = d.run_detached({"--name", "again", "busybox", "sh", "-c",
                            "trap '' TERM; echo up; while :; do sleep 0.1; done"});
  REQUIRE(d.wait_logs(id, "up"));
  const int pid = d.inspect(id)["State"]["Pid"];
  auto r = d.run({"restart", "-t", "1", "again"});
  CHECK(r.code == 0);
  CHECK(trim(r.out) == "again");
  CHECK(r.seconds >= 0.9);  // it waited the grace period: the workload ignores SIGTERM
  auto info = d.inspect(id);
  CHECK(info["State"]["Status"] == "running");
  CHECK(info["State"]["Pid"] != pid);
  CHECK(info["RestartCount"] == 0);

  CHECK(d.run({"stop", "-t", "0", id}).code == 0);
  CHECK(d.run({"restart", id}).code == 0);
  CHECK(d.status(id) == "running");
  auto missing = d.try_run({"restart", "nosuch"});
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Contains("No such container: nosuch"));
  CHECK(d.run({"rm", "-f", id}).code == 0);
}

TEST_CASE("pause freezes every process, stop and kill still end a paused container",
          "[lifecycle][pause]") {
  Daemon d;
  auto id = d.run_detached({"--name", "ice", "busybox", "sh", "-c",
                            "echo ready; while :; do echo x >> /ticks; sleep 0.05; done"});
  REQUIRE(d.wait_logs(id, "ready"));
  auto r = d.run({"pause", "ice"});
  CHECK(r.code == 0);
  CHECK(trim(r.out) == "ice");
  CHECK(d.status(id) == "paused");
  CHECK(trim(read_text(d.cgroup_dir("freezer", id) + "/freezer.state")) == "FROZEN");
  CHECK_THAT(ps_status(d, "ice"), Contains("(Paused)"));
  CHECK_THAT(d.run({"ps"}).out, Contains("ice"));  // paused still counts as running

  auto twice = d.try_run({"pause", "ice"});
  CHECK(twice.code == 1);
  CHECK_THAT(twice.err, Contains("Container " + id + " is already paused"));
  auto exec = d.try_run({"exec", "ice", "true"});
  CHECK(exec.code != 0);
  CHECK_THAT(exec.err, Contains("is paused, unpause the container before exec"));

  CHECK(d.run({"unpause", "ice"}).code == 0);
  CHECK(d.status(id) == "running");
  CHECK(trim(read_text(d.cgroup_dir("freezer", id) + "/freezer.state")) == "THAWED");
  const auto ticks = read_text(d.container_dir(id) + "/upper/ticks").size();
  CHECK(eventually([&] { return read_text(d.container_dir(id) + "/upper/ticks").size() > ticks; },
                   20));
  auto not_paused = d.try_run({"unpause", "ice"});
  CHECK(not_paused.code == 1);
  CHECK_THAT(not_paused.err, Contains("Container " + id + " is not paused"));

  SECTION("stop") {
    CHECK(d.run({"pause", "ice"}).code == 0);
    auto stop = d.run({"stop", "ice"});
    CHECK(stop.code == 0);
    CHECK(stop.seconds < 5);  // the SIGTERM acted: no grace period spent
    CHECK(d.inspect(id)["State"]["ExitCode"] == 143);
  }
  SECTION("kill") {
    CHECK(d.run({"pause", "ice"}).code == 0);
    CHECK(d.run({"kill", "ice"}).code == 0);
    CHECK(d.wait_status(id, "exited"));
    CHECK(d.inspect(id)["State"]["ExitCode"] == 137);
  }
  SECTION("rm -f") {
    CHECK(d.run({"pause", "ice"}).code == 0);
    CHECK(d.run({"rm", "-f", "ice"}).code == 0);
    CHECK(trim(d.run({"ps", "-a", "-q"}).out).empty());
  }
}

TEST_CASE("a paused container is still paused after asupd restarts", "[lifecycle][pause]") {
  Daemon d;
  auto id = d.run_detached({"busybox", "sleep", "3600"});
  REQUIRE(d.wait_status(id, "running"));
  CHECK(d.run({"pause", id}).code == 0);
  d.crash_daemon();
  d.start_daemon();
  CHECK(d.status(id) == "paused");
  CHECK(d.run({"unpause", id}).code == 0);
  CHECK(d.status(id) == "running");
  CHECK(d.run({"rm", "-f", id}).code == 0);
}

TEST_CASE("rename changes the name everywhere, with Docker's rules", "[lifecycle][rename]") {
  Daemon d;
  auto id = d.run_detached({"--name", "before", "busybox", "sleep", "3600"});
  d.run_detached({"--name", "taken", "busybox", "sleep", "3600"});
  auto r = d.run({"rename", "before", "after"});
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  CHECK(d.inspect("after")["Id"] == id);
  CHECK(d.try_run({"inspect", "before"}).code != 0);

  auto same = d.try_run({"rename", "after", "after"});
  CHECK(same.code == 1);
  CHECK_THAT(same.err, Contains("Renaming a container with the same name as its current name"));
  auto conflict = d.try_run({"rename", "after", "taken"});
  CHECK(conflict.code == 1);
  CHECK_THAT(conflict.err, Contains("Conflict. The container name \"/taken\" is already in use"));
  auto invalid = d.try_run({"rename", "after", "no/slash"});
  CHECK(invalid.code == 1);
  CHECK_THAT(invalid.err, Contains("Invalid container name"));

  // The new name survives asupd's restart.
  d.restart();
  CHECK(d.inspect("after")["Id"] == id);
  CHECK(d.run({"rm", "-f", "after", "taken"}).code == 0);
}

TEST_CASE("update changes the limits of a running container at once, and of a stopped one",
          "[lifecycle][update]") {
  Daemon d;
  auto id = d.run_detached({"--memory", "64m", "busybox", "sleep", "3600"});
  REQUIRE(d.wait_status(id, "running"));
  auto r = d.run({"update", "--memory", "128m", "--pids-limit", "50", "--cpus", "0.5", id});
  CHECK(r.code == 0);
  CHECK(trim(r.out) == id);
  CHECK(trim(read_text(d.cgroup_dir("memory", id) + "/memory.limit_in_bytes")) == "134217728");
  CHECK(trim(read_text(d.cgroup_dir("pids", id) + "/pids.max")) == "50");
  CHECK(trim(read_text(d.cgroup_dir("cpu", id) + "/cpu.cfs_quota_us")) == "50000");
  auto info = d.inspect(id);
  CHECK(info["HostConfig"]["Memory"] == 134217728);
  CHECK(info["HostConfig"]["PidsLimit"] == 50);

  auto none = d.try_run({"update", id});
  CHECK(none.code != 0);
  CHECK_THAT(none.err, Contains("one or more flags"));
  auto low = d.try_run({"update", "--memory", "1m", id});
  CHECK(low.code != 0);
  CHECK_THAT(low.err, Contains("Minimum memory limit allowed is 6MB"));

  // Stopped: kept for its next start.
  CHECK(d.run({"stop", "-t", "0", id}).code == 0);
  CHECK(d.run({"update", "--memory", "96m", "--restart", "on-failure:2", id}).code == 0);
  info = d.inspect(id);
  CHECK(info["HostConfig"]["RestartPolicy"]["Name"] == "on-failure");
  CHECK(info["HostConfig"]["RestartPolicy"]["MaximumRetryCount"] == 2);
  CHECK(d.run({"start", id}).code == 0);
  CHECK(trim(read_text(d.cgroup_dir("memory", id) + "/memory.limit_in_bytes")) == "100663296");
  CHECK(d.run({"rm", "-f", id}).code == 0);
}

TEST_CASE("stop uses the container's --stop-signal and --stop-timeout", "[lifecycle][stop]") {
  Daemon d;
  auto id =
      d.run_detached({"--stop-signal", "SIGUSR1", "--stop-timeout", "1", "busybox", "sh", "-c",
                      "trap 'echo got-usr1' USR1; echo ready; while :; do sleep 0.1; done"});
  REQUIRE(d.wait_logs(id, "ready"));
  auto info = d.inspect(id);
  CHECK(info["Config"]["StopSignal"] == "SIGUSR1");
  CHECK(info["Config"]["StopTimeout"] == 1);
  auto r = d.run({"stop", id});
  CHECK(r.code == 0);
  CHECK(r.seconds >= 0.9);
  CHECK(r.seconds < 8);  // one second of grace, not ten
  CHECK(d.inspect(id)["State"]["ExitCode"] == 137);
  CHECK_THAT(d.run({"logs", id}).out, Contains("got-usr1"));

  auto bad = d.try_run({"run", "--stop-signal", "SIGNOPE", "busybox", "true"});
  CHECK(bad.code == 125);
  CHECK_THAT(bad.err, Contains("SIGNOPE"));
}

TEST_CASE("a container started again is on the networks it was connected to, at its addresses",
          "[lifecycle][network]") {
  Daemon d;
  UserNetwork extra{d};
  auto id = d.run_detached({"busybox", "sleep", "3600"});
  REQUIRE(d.wait_status(id, "running"));
  CHECK(d.run({"network", "connect", "--alias", "second", extra.name(), id}).code == 0);
  auto before = d.inspect(id)["NetworkSettings"]["Networks"];
  REQUIRE(before.contains(extra.name()));
  CHECK(d.run({"restart", "-t", "0", id}).code == 0);
  auto after = d.inspect(id)["NetworkSettings"]["Networks"];
  INFO(after.dump());
  REQUIRE(after.contains(extra.name()));
  CHECK(after[extra.name()]["IPAddress"] == before[extra.name()]["IPAddress"]);
  CHECK(after["bridge"]["IPAddress"] == before["bridge"]["IPAddress"]);
  CHECK(after[extra.name()]["Aliases"] == before[extra.name()]["Aliases"]);
  // Both links are up inside: the container reaches both gateways' subnets.
  auto addrs = d.run({"exec", id, "ip", "-4", "-o", "addr"}).out;
  CHECK_THAT(addrs, Contains(after[extra.name()]["IPAddress"].get<std::string>()));
  CHECK(d.run({"rm", "-f", id}).code == 0);
}
