// Docker's resource flags (--cpuset-cpus ... --oom-score-adj) through real containers on
// this v1 host: the values land in the container's groups and in what the workload sees,
// inspect shows them by Docker's names, update changes them live, what Docker refuses is
// refused in its words, and what the host cannot apply is dropped with its warning.
#include <linux/capability.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"
#include "skip.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

std::string cgroup_value(Daemon& d, const std::string& controller, const std::string& id,
                         const std::string& file) {
  return trim(read_text(d.cgroup_dir(controller, id) + "/" + file));
}

bool host_has(const std::string& path) {
  return !read_text(path).empty();
}

constexpr const char* kBlkioWarning =
    "WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. "
    "Weight discarded.";

}  // namespace

TEST_CASE("run and create apply Docker's resource flags, update changes them live",
          "[integration][resources]") {
  Daemon d;
  // The last CPU of the host: what the workload may run on.
  const std::string online = trim(read_text("/sys/devices/system/cpu/online"));
  const std::string last_cpu = online.substr(online.find_last_of("-,") + 1);

  auto run = d.run({"run",
                    "-d",
                    "--cpuset-cpus",
                    last_cpu,
                    "--cpuset-mems",
                    "0",
                    "-c",
                    "512",
                    "--cpu-period",
                    "50000",
                    "--cpu-quota",
                    "25000",
                    "-m",
                    "64m",
                    "--memory-swap",
                    "128m",
                    "--memory-reservation",
                    "32m",
                    "--oom-kill-disable",
                    "--oom-score-adj",
                    "500",
                    "busybox",
                    "sh",
                    "-c",
                    "cat /proc/self/oom_score_adj; grep Cpus_allowed_list /proc/self/status; "
                    "echo ready; exec sleep 1000"});
  INFO(run);
  REQUIRE(run.code == 0);
  if (host_has("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))
    CHECK(run.err.empty());  // this host applies every one of them
  const std::string id = trim(run.out);
  REQUIRE(d.wait_logs(id, "ready"));

  CHECK(cgroup_value(d, "cpuset", id, "cpuset.cpus") == last_cpu);
  CHECK(cgroup_value(d, "cpuset", id, "cpuset.mems") == "0");
  CHECK(cgroup_value(d, "cpu", id, "cpu.shares") == "512");
  CHECK(cgroup_value(d, "cpu", id, "cpu.cfs_period_us") == "50000");
  CHECK(cgroup_value(d, "cpu", id, "cpu.cfs_quota_us") == "25000");
  CHECK(cgroup_value(d, "memory", id, "memory.limit_in_bytes") == "67108864");
  if (host_has("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))
    CHECK(cgroup_value(d, "memory", id, "memory.memsw.limit_in_bytes") == "134217728");
  CHECK(cgroup_value(d, "memory", id, "memory.soft_limit_in_bytes") == "33554432");
  CHECK_THAT(read_text(d.cgroup_dir("memory", id) + "/memory.oom_control"),
             Contains("oom_kill_disable 1"));

  // What the workload sees: its OOM score adjustment, the CPUs it may run on.
  auto logs = d.run({"logs", id});
  CHECK(logs.out == "500\nCpus_allowed_list:\t" + last_cpu + "\nready\n");

  auto host = d.inspect(id)["HostConfig"];
  CHECK(host["CpusetCpus"] == last_cpu);
  CHECK(host["CpusetMems"] == "0");
  CHECK(host["CpuShares"] == 512);
  CHECK(host["CpuPeriod"] == 50000);
  CHECK(host["CpuQuota"] == 25000);
  CHECK(host["Memory"] == 67108864);
  CHECK(host["MemorySwap"] == 134217728);
  CHECK(host["MemoryReservation"] == 33554432);
  CHECK(host["OomKillDisable"] == true);
  CHECK(host["OomScoreAdj"] == 500);
  CHECK(host["BlkioWeight"] == 0);

  // update: live in the group, kept in the config.
  auto up = d.run(
      {"update", "--cpu-shares", "768", "--cpu-quota", "30000", "--memory-reservation", "40m", id});
  INFO(up);
  CHECK(up.code == 0);
  CHECK(up.out == id + "\n");
  CHECK(cgroup_value(d, "cpu", id, "cpu.shares") == "768");
  CHECK(cgroup_value(d, "cpu", id, "cpu.cfs_quota_us") == "30000");
  CHECK(cgroup_value(d, "memory", id, "memory.soft_limit_in_bytes") == "41943040");
  host = d.inspect(id)["HostConfig"];
  CHECK(host["CpuShares"] == 768);
  CHECK(host["CpuQuota"] == 30000);
  CHECK(host["MemoryReservation"] == 41943040);
  CHECK(host["CpuPeriod"] == 50000);  // what the update left alone stays
  CHECK(d.run({"rm", "-f", id}).code == 0);

  // A container without these flags: Docker's zeros, the kernel's defaults.
  auto plain = d.run({"create", "busybox", "true"});
  host = d.inspect(trim(plain.out))["HostConfig"];
  CHECK(host["CpusetCpus"] == "");
  CHECK(host["CpuShares"] == 0);
  CHECK(host["MemorySwap"] == 0);
  CHECK(host["OomKillDisable"] == false);
  CHECK(host["OomScoreAdj"] == 0);

  // --memory-swap -1: swap without limit.
  auto swap = d.run({"run", "-d", "-m", "32m", "--memory-swap", "-1", "--oom-score-adj", "300",
                     "busybox", "sh", "-c", "cat /proc/self/oom_score_adj; exec sleep 1000"});
  INFO(swap);
  REQUIRE(swap.code == 0);
  const std::string swap_id = trim(swap.out);
  REQUIRE(d.wait_logs(swap_id, "300"));
  CHECK(cgroup_value(d, "memory", swap_id, "memory.limit_in_bytes") == "33554432");
  // Unlimited: the value the kernel shows for the root group, which nothing limits.
  const std::string unlimited =
      trim(read_text("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"));
  if (!unlimited.empty())
    CHECK(cgroup_value(d, "memory", swap_id, "memory.memsw.limit_in_bytes") == unlimited);
  host = d.inspect(swap_id)["HostConfig"];
  CHECK(host["MemorySwap"] == -1);
  CHECK(host["OomScoreAdj"] == 300);
}

TEST_CASE("a negative --oom-score-adj lowers the workload's score", "[integration][resources]") {
  // The kernel lets only a holder of CAP_SYS_RESOURCE go below 0; asup-init writes the
  // score before it drops that capability, but it must have it to begin with.
  std::istringstream status(read_text("/proc/self/status"));
  unsigned long long effective = 0;
  for (std::string line; std::getline(status, line);)
    if (line.rfind("CapEff:", 0) == 0) effective = std::stoull(line.substr(7), nullptr, 16);
  if (!(effective & (1ULL << CAP_SYS_RESOURCE))) {
    ASUP_SKIP("no CAP_SYS_RESOURCE here: no score can go below 0");
  }
  Daemon d;
  auto r = d.run(
      {"run", "--rm", "--oom-score-adj", "-300", "busybox", "cat", "/proc/self/oom_score_adj"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "-300\n");
}

TEST_CASE("what the host lacks is dropped with Docker's warning", "[integration][resources]") {
  Daemon d;
  const bool blkio = host_has("/sys/fs/cgroup/blkio/blkio.weight") ||
                     host_has("/sys/fs/cgroup/blkio/blkio.bfq.weight");

  // create: the warning on stderr, the id alone on stdout.
  auto created = d.run({"create", "--blkio-weight", "300", "-c", "256", "busybox", "true"});
  INFO(created);
  REQUIRE(created.code == 0);
  CHECK(is_hex_id(trim(created.out)));
  auto host = d.inspect(trim(created.out))["HostConfig"];
  CHECK(host["CpuShares"] == 256);
  if (blkio) {
    CHECK(created.err.empty());
    CHECK(host["BlkioWeight"] == 300);
  } else {
    CHECK(created.err == std::string(kBlkioWarning) + "\n");
    CHECK(host["BlkioWeight"] == 0);
  }

  // run, attached: the warnings come before the container's output.
  auto run = d.run({"run", "--rm", "--oom-kill-disable", "busybox", "echo", "hello"});
  INFO(run);
  CHECK(run.code == 0);
  CHECK(run.out == "hello\n");
  CHECK(run.err ==
        "WARNING: OOM killer is disabled for the container, but no memory limit is set, this can "
        "result in the system running out of resources.\n");

  // update: the same warning, then the id.
  std::string id = d.run_detached({"busybox", "sleep", "1000"});
  auto up = d.run({"update", "--blkio-weight", "300", "--cpu-shares", "300", id});
  INFO(up);
  if (!blkio) {
    CHECK(up.code == 0);
    CHECK(up.err == std::string(kBlkioWarning) + "\n");
    CHECK(up.out == id + "\n");
    CHECK(cgroup_value(d, "cpu", id, "cpu.shares") == "300");
  }
}

TEST_CASE("run refuses resource values Docker refuses, in its words", "[integration][resources]") {
  Daemon d;
  const std::string online = trim(read_text("/sys/devices/system/cpu/online"));
  struct Case {
    std::vector<std::string> flags;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"--cpuset-cpus", "64"},
       "Requested CPUs are not available - requested 64, available: " + online},
      {{"--cpuset-mems", "9"}, "Requested memory nodes are not available - requested 9"},
      {{"--cpu-period", "500"},
       "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"},
      {{"--cpu-quota", "500"}, "CPU cfs quota can not be less than 1ms (i.e. 1000)"},
      {{"--cpus", "0.5", "--cpu-quota", "50000"},
       "Conflicting options: Nano CPUs and CPU Quota cannot both be set"},
      {{"--memory-swap", "64m"},
       "You should always set the Memory limit when using Memoryswap limit, see usage"},
      {{"-m", "64m", "--memory-swap", "32m"},
       "Minimum memoryswap limit should be larger than memory limit, see usage"},
      {{"--memory-reservation", "1m"}, "Minimum memory reservation allowed is 6MB"},
      {{"-m", "16m", "--memory-reservation", "32m"},
       "Minimum memory limit can not be less than memory reservation limit, see usage"},
      {{"--oom-score-adj", "1001"}, "Invalid value 1001, range for oom score adj is [-1000, 1000]"},
      {{"--oom-score-adj", "-1001"},
       "Invalid value -1001, range for oom score adj is [-1000, 1000]"},
      {{"--memory-reservation", "lots"},
       "invalid argument \"lots\" for \"--memory-reservation\" flag: invalid size: 'lots'"},
      {{"--memory-swap", "x"}, "invalid argument \"x\" for \"--memory-swap\" flag"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"run", "--rm"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    args.insert(args.end(), {"busybox", "echo", "ran"});
    auto r = d.try_run(args);
    INFO(r);
    CHECK(r.code == 125);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Contains(c.error));
  }
  // None of them made a container.
  CHECK(lines(d.run({"ps", "-a", "-q"}).out).empty());

  // update checks before it looks for the container, and exits 1 as Docker's does.
  auto r = d.try_run({"update", "--cpu-period", "10", "nosuch"});
  INFO(r);
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("CPU cfs period can not be less than 1ms"));
  r = d.try_run({"update", "--memory-reservation", "x", "nosuch"});
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("invalid argument \"x\" for \"--memory-reservation\" flag"));
}
