// What asup-init does for the workload: the container ends with it, orphans are reaped,
// signals sent to an attached client reach it, privileges are reduced.
#include <signal.h>

#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

TEST_CASE("the container ends when its workload does, background jobs or not",
          "[integration][init]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "busybox", "sh", "-c", "sleep 1000 & echo bg; exit 0"}, "", 30);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "bg\n");
  CHECK(r.seconds < 5);

  r = d.run({"run", "--rm", "busybox", "sh", "-c", "exit 255"});
  CHECK(r.code == 255);

  // A daemonised grandchild holding stdout open does not keep the run attached either.
  r = d.run({"run", "--rm", "busybox", "sh", "-c", "(sleep 1000 &); echo started"}, "", 30);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "started\n");
  CHECK(r.seconds < 5);
}

TEST_CASE("asup-init reaps orphaned processes", "[integration][init]") {
  Daemon d;
  // Each subshell exits at once; its sleep is orphaned to pid 1 and exits soon after.
  std::string id = d.run_detached(
      {"busybox", "sh", "-c", "for i in 1 2 3 4 5; do (sleep 0.2 &); done; exec sleep 1000"});
  REQUIRE(d.wait_status(id, "running"));
  CHECK(eventually(
      [&] {
        auto r = d.run({"exec", id, "ps", "-o", "pid,stat,comm"});
        return r.code == 0 && lines(r.out).size() == 4;  // header, init, sleep 1000, ps
      },
      10));
  auto r = d.run({"exec", id, "ps", "-o", "pid,stat,comm"});
  INFO(r);
  for (auto& row : lines(r.out)) {
    auto fields = trim(row);
    CHECK_FALSE(contains(fields, " Z "));
  }
}

TEST_CASE("signals sent to an attached asupctl run reach the workload",
          "[integration][init][signals]") {
  Daemon d;
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    INFO("signal " << sig);
    auto attached = d.spawn({"run", "--rm", "busybox", "sh", "-c",
                             "trap 'echo caught; exit 9' TERM INT HUP; echo ready; "
                             "while :; do sleep 0.1; done"});
    REQUIRE(attached.wait_for([&] { return contains(attached.out(), "ready\n"); }, 10));
    attached.signal(sig);
    REQUIRE(attached.wait(10));
    auto r = attached.result();
    INFO(r);
    CHECK(r.code == 9);
    CHECK(r.out == "ready\ncaught\n");
  }
}

TEST_CASE("run --sig-proxy=false leaves the container alone when the client is signalled",
          "[integration][init][signals]") {
  Daemon d;
  auto attached =
      d.spawn({"run", "--sig-proxy=false", "--name", "alone", "busybox", "sh", "-c",
               "trap 'echo caught; exit 9' TERM; echo ready; while :; do sleep 0.1; done"});
  REQUIRE(attached.wait_for([&] { return contains(attached.out(), "ready\n"); }, 10));
  attached.signal(SIGTERM);
  REQUIRE(attached.wait(10));
  CHECK(d.status("alone") == "running");
  CHECK_FALSE(contains(d.run({"logs", "alone"}).out, "caught"));
  CHECK(d.run({"rm", "-f", "alone"}).code == 0);
}

TEST_CASE("root in the container has reduced privileges", "[integration][init][security]") {
  Daemon d;
  auto r = d.run(
      {"run", "--rm", "busybox", "sh", "-c", "mkdir -p /mnt/x && mount -t tmpfs none /mnt/x"});
  INFO(r);
  CHECK(r.code != 0);

  r = d.run({"run", "--rm", "busybox", "grep", "-E",
             "^(CapEff|CapBnd|NoNewPrivs|Seccomp):", "/proc/self/status"});
  INFO(r);
  REQUIRE(r.code == 0);
  auto host = read_text("/proc/self/status");
  auto field = [](const std::string& status, const std::string& name) {
    for (auto& line : lines(status))
      if (line.rfind(name + ":", 0) == 0) return trim(line.substr(name.size() + 1));
    return std::string();
  };
  CHECK(field(r.out, "CapEff") != "");
  CHECK(field(r.out, "CapEff") != field(host, "CapEff"));
  CHECK(field(r.out, "CapBnd") != field(host, "CapBnd"));
  // Docker's default: setuid binaries work (asupd --no-new-privileges turns it on).
  CHECK(field(r.out, "NoNewPrivs") == "0");
  CHECK(field(r.out, "Seccomp") == "2");

  // Kernel knobs stay out of reach.
  r = d.run({"run", "--rm", "busybox", "sh", "-c", "echo 1 > /proc/sys/kernel/sysrq"});
  CHECK(r.code != 0);
  r = d.run({"run", "--rm", "busybox", "sh", "-c", "echo 1 > /proc/sysrq-trigger"});
  CHECK(r.code != 0);
}

TEST_CASE("the workload runs under a seccomp filter", "[integration][init][security]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "busybox", "grep", "^Seccomp:", "/proc/self/status"});
  INFO(r);
  REQUIRE(r.code == 0);
  CHECK(trim(r.out.substr(r.out.find(':') + 1)) == "2");  // SECCOMP_MODE_FILTER
  // exec'd processes too.
  std::string id = d.run_detached({"busybox", "sleep", "1000"});
  r = d.run({"exec", id, "grep", "^Seccomp:", "/proc/self/status"});
  INFO(r);
  CHECK(trim(r.out.substr(r.out.find(':') + 1)) == "2");
}

TEST_CASE("environment defaults and overrides", "[integration][run]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "busybox", "sh", "-c", "echo $HOME; echo $HOSTNAME"});
  INFO(r);
  CHECK(lines(r.out).at(0) == "/root");
  r = d.run({"run", "--rm", "-u", "www-data", "busybox", "sh", "-c", "echo $HOME"});
  INFO(r);
  CHECK(r.out == "/var/www\n");
  r = d.run({"run", "--rm", "-e", "PATH=/bin", "busybox", "sh", "-c", "echo $PATH"});
  INFO(r);
  CHECK(r.out == "/bin\n");
  r = d.run({"run", "--rm", "-e", "A=1", "-e", "A=2", "busybox", "sh", "-c", "echo $A"});
  CHECK(r.out == "2\n");
  r = d.run({"run", "--rm", "-e", "EMPTY=", "busybox", "sh", "-c", "env | grep ^EMPTY="});
  CHECK(r.out == "EMPTY=\n");
  ::setenv("ASUP_IT_PASSED", "from-client", 1);
  r = d.run({"run", "--rm", "-e", "ASUP_IT_PASSED", "-e", "ASUP_IT_UNSET_XYZ", "busybox", "env"});
  ::unsetenv("ASUP_IT_PASSED");
  INFO(r);
  CHECK_THAT(r.out, Contains("ASUP_IT_PASSED=from-client\n"));
  CHECK_THAT(r.out, !Contains("ASUP_IT_UNSET_XYZ"));
}

TEST_CASE("stop of several containers waits for them in parallel", "[integration][stop]") {
  Daemon d;
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i)
    ids.push_back(d.run_detached({"busybox", "sh", "-c", "trap '' TERM; echo ready; sleep 1000"}));
  for (auto& id : ids) REQUIRE(d.wait_logs(id, "ready"));
  std::vector<std::string> args{"stop", "-t", "1"};
  args.insert(args.end(), ids.begin(), ids.end());
  auto r = d.run(args);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(lines(r.out) == ids);
  CHECK(r.seconds < 3);  // one grace period, not four
  for (auto& id : ids) CHECK(d.inspect(id)["State"]["ExitCode"] == 137);
}

TEST_CASE("run -d --rm removes the container when it exits, even across a restart",
          "[integration][rm][restart]") {
  Daemon d;
  std::string id = d.run_detached({"--rm", "busybox", "true"});
  CHECK(eventually([&] { return trim(d.run({"ps", "-aq"}).out).empty(); }, 5));
  CHECK(eventually([&] { return !is_directory(d.container_dir(id)); }, 5));

  std::string later = d.run_detached({"--rm", "busybox", "sh", "-c", "sleep 1"});
  pid_t pid = d.inspect(later)["State"]["Pid"].get<int>();
  d.stop_daemon();
  REQUIRE(eventually([&] { return !process_alive(pid); }, 10));
  d.start_daemon();
  CHECK(eventually([&] { return trim(d.run({"ps", "-aq"}).out).empty(); }, 5));
  CHECK(eventually([&] { return !is_directory(d.container_dir(later)); }, 5));
}
