// Resource limits land in the container's own v1 groups and hold for the workload.
#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "skip.hpp"

using namespace asup::it;
using Catch::Contains;

TEST_CASE("run --pids-limit caps the number of processes", "[integration][limits]") {
  Daemon d;
  std::string id = d.run_detached({"--pids-limit", "20", "busybox", "sh", "-c",
                                   "for i in $(seq 100); do sleep 5 & done; wait"});
  CHECK(trim(read_text(d.cgroup_dir("pids", id) + "/pids.max")) == "20");
  REQUIRE(d.wait_status(id, "exited", 30));
  auto r = d.run({"logs", id});
  INFO(r);
  CHECK_THAT(r.err, Contains("can't fork"));
  auto j = d.inspect(id);
  CHECK(j["State"]["ExitCode"] != 0);
  CHECK(j["HostConfig"]["PidsLimit"] == 20);

  // The limit holds: an inner shell forks until it cannot; the outer one stays (exec, no
  // fork) and the kernel counts at most 20 tasks.
  std::string id2 = d.run_detached(
      {"--pids-limit", "20", "busybox", "sh", "-c",
       "sh -c 'for i in $(seq 100); do sleep 30 & done'; echo inner-done; exec sleep 1000"});
  REQUIRE(d.wait_logs(id2, "inner-done"));
  CHECK_THAT(d.run({"logs", id2}).err, Contains("can't fork"));
  std::string current = d.cgroup_dir("pids", id2) + "/pids.current";
  INFO(read_text(current));
  CHECK(std::atoi(read_text(current).c_str()) >= 15);
  CHECK(std::atoi(read_text(current).c_str()) <= 20);
  CHECK(d.status(id2) == "running");
}

TEST_CASE("run --cpus and -m set the v1 cpu and memory limits", "[integration][limits]") {
  Daemon d;
  std::string id = d.run_detached({"--cpus", "0.5", "-m", "64m", "busybox", "sleep", "1000"});
  REQUIRE(d.wait_status(id, "running"));
  CHECK(trim(read_text(d.cgroup_dir("cpu", id) + "/cpu.cfs_quota_us")) == "50000");
  CHECK(trim(read_text(d.cgroup_dir("cpu", id) + "/cpu.cfs_period_us")) == "100000");
  CHECK(trim(read_text(d.cgroup_dir("memory", id) + "/memory.limit_in_bytes")) == "67108864");
  auto j = d.inspect(id);
  CHECK(j["HostConfig"]["Memory"] == 67108864);
  CHECK(j["HostConfig"]["NanoCpus"] == 500000000);

  // The container's init and workload are in those groups.
  pid_t pid = j["State"]["Pid"].get<int>();
  for (auto controller : {"cpu", "memory", "pids"}) {
    INFO(controller);
    auto procs = lines(read_text(d.cgroup_dir(controller, id) + "/cgroup.procs"));
    CHECK(std::find(procs.begin(), procs.end(), std::to_string(pid)) != procs.end());
    CHECK(procs.size() == 2);
  }

  // Without limits the groups exist but are unlimited.
  std::string free_id = d.run_detached({"busybox", "sleep", "1000"});
  REQUIRE(d.wait_status(free_id, "running"));
  CHECK(trim(read_text(d.cgroup_dir("cpu", free_id) + "/cpu.cfs_quota_us")) == "-1");
  CHECK(trim(read_text(d.cgroup_dir("pids", free_id) + "/pids.max")) == "max");

  // A CPU hog under --cpus 0.5 gets about half a CPU, not a whole one.
  std::string hog = d.run_detached({"--cpus", "0.5", "busybox", "sh", "-c", "while :; do :; done"});
  REQUIRE(d.wait_status(hog, "running"));
  std::string usage = "/sys/fs/cgroup/cpuacct/" + d.cgroup_parent() + "/" + hog + "/cpuacct.usage";
  if (!read_text(usage).empty()) {
    auto u0 = std::stoull(trim(read_text(usage)));
    auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    auto u1 = std::stoull(trim(read_text(usage)));
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double share = (u1 - u0) / 1e9 / wall;
    INFO("cpu share " << share);
    CHECK(share < 0.65);
    CHECK(share > 0.2);
  }
}

TEST_CASE("asupd lifts its own open-file limit, containers keep the one it was given",
          "[integration][limits]") {
  // Every container costs asupd a pidfd and three pipes: a systemd service's soft limit of
  // 1024 would stop it at a few hundred containers.
  struct rlimit saved;
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  if (saved.rlim_max < 1024) {
    ASUP_SKIP("the hard open-file limit is below 1024");
  }
  struct rlimit low = saved;
  low.rlim_cur = 512;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
  std::optional<Daemon> d;
  d.emplace();  // inherits the low soft limit
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &saved) == 0);

  std::string limits = read_text("/proc/" + std::to_string(d->daemon_pid()) + "/limits");
  std::string line;
  for (auto& l : lines(limits))
    if (l.rfind("Max open files", 0) == 0) line = l;
  INFO(line);
  std::istringstream fields(line.substr(std::string("Max open files").size()));
  std::string soft, hard;
  fields >> soft >> hard;
  CHECK(soft == hard);
  CHECK(hard == (saved.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(saved.rlim_max)));

  auto r = d->run({"run", "--rm", "busybox", "sh", "-c", "ulimit -n"});
  CHECK(r.code == 0);
  CHECK(r.out == "512\n");
}
