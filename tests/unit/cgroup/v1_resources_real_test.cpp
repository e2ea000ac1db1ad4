// Docker's resource flags on this host's v1 hierarchies: the kernel takes the values and
// shows them back; a cpuset group is usable (a process joins it) and updated live.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "cgroup/cgroup.hpp"
#include "core/fs.hpp"
#include "skip.hpp"
#include "test_support.hpp"

using namespace asup;
using namespace asup::cgroup;
using namespace asup::cgroup::test;

namespace {

const std::string kRoot = "/sys/fs/cgroup";

bool v1_cpuset_available() {
  return ::geteuid() == 0 && mounted_as(kRoot + "/memory", CGROUP_SUPER_MAGIC) &&
         mounted_as(kRoot + "/cpu", CGROUP_SUPER_MAGIC) &&
         mounted_as(kRoot + "/cpuset", CGROUP_SUPER_MAGIC) &&
         fs::exists(kRoot + "/memory/memory.memsw.limit_in_bytes");
}

}  // namespace

TEST_CASE("v1 real: cpuset, shares, period and quota, swap, reservation, OOM killer",
          "[cgroup][root]") {
  if (!v1_cpuset_available())
    ASUP_SKIP("needs root, v1 memory (with swap accounting), cpu and cpuset hierarchies");
  std::string parent = unique_name("asup-test");
  DirCleanup cleanup;
  guard_v1_groups(cleanup, kRoot, parent, {"r1"});
  for (const char* h : {"cpuset", "blkio"}) {
    cleanup.add(fs::join(kRoot, std::string(h) + "/" + parent));
    cleanup.add(fs::join(kRoot, std::string(h) + "/" + parent + "/r1"));
  }

  Limits l;
  l.memory_bytes = 64 << 20;
  l.memory_swap = 128 << 20;
  l.memory_reservation = 32 << 20;
  l.oom_kill_disable = true;
  l.cpuset_cpus = "0";
  l.cpu_shares = 512;
  l.cpu_period = 50000;
  l.cpu_quota = 25000;
  l.blkio_weight = 500;  // optional: this kernel may have no weight file
  auto manager = make_v1(kRoot, parent);
  auto created = manager->create("r1", l);
  REQUIRE(created);
  auto& group = *created.value();
  std::string mem = fs::join(kRoot, "memory/" + parent + "/r1");
  std::string cpu = fs::join(kRoot, "cpu/" + parent + "/r1");
  std::string cpuset = fs::join(kRoot, "cpuset/" + parent + "/r1");
  CHECK(read_trimmed(mem + "/memory.limit_in_bytes") == "67108864");
  CHECK(read_trimmed(mem + "/memory.memsw.limit_in_bytes") == "134217728");
  CHECK(read_trimmed(mem + "/memory.soft_limit_in_bytes") == "33554432");
  CHECK_THAT(read_trimmed(mem + "/memory.oom_control"), Catch::StartsWith("oom_kill_disable 1"));
  CHECK(read_trimmed(cpu + "/cpu.shares") == "512");
  CHECK(read_trimmed(cpu + "/cpu.cfs_period_us") == "50000");
  CHECK(read_trimmed(cpu + "/cpu.cfs_quota_us") == "25000");
  CHECK(read_trimmed(cpuset + "/cpuset.cpus") == "0");
  // Not given: the parent's, which took the root's when it was made.
  CHECK(read_trimmed(cpuset + "/cpuset.mems") == read_trimmed(kRoot + "/cpuset/cpuset.mems"));
  CHECK(read_trimmed(kRoot + "/cpuset/" + parent + "/cpuset.cpus") ==
        read_trimmed(kRoot + "/cpuset/cpuset.cpus"));

  int gate = -1;
  Child child{fork_gated(gate, [] {
    for (;;) ::pause();
  })};
  REQUIRE(child.pid() > 0);
  REQUIRE(group.add_process(child.pid()));  // refused by the kernel if cpus or mems were empty
  release(gate);
  CHECK(lists(cpuset + "/cgroup.procs", child.pid()));

  if (read_trimmed(kRoot + "/cpuset/cpuset.cpus") == "0-1") {
    Limits wider;
    wider.cpuset_cpus = "0-1";
    wider.cpu_shares = 2048;
    REQUIRE(group.update(wider));
    CHECK(read_trimmed(cpuset + "/cpuset.cpus") == "0-1");
    CHECK(read_trimmed(cpu + "/cpu.shares") == "2048");
  }

  REQUIRE(group.kill_all());
  child.wait();
  REQUIRE(destroy_when_empty(group));
  CHECK_FALSE(fs::exists(cpuset));
  manager->remove_parent_if_empty();
  CHECK_FALSE(fs::exists(fs::join(kRoot, "cpuset/" + parent)));
  CHECK_FALSE(fs::exists(fs::join(kRoot, "blkio/" + parent)));
}

TEST_CASE("v1 real: a group without cpuset limits stays out of the cpuset hierarchy",
          "[cgroup][root]") {
  if (!v1_cpuset_available()) ASUP_SKIP("needs root and v1 memory, cpu and cpuset hierarchies");
  std::string parent = unique_name("asup-test");
  DirCleanup cleanup;
  guard_v1_groups(cleanup, kRoot, parent, {"r2"});
  cleanup.add(fs::join(kRoot, "cpuset/" + parent));
  cleanup.add(fs::join(kRoot, "cpuset/" + parent + "/r2"));
  auto manager = make_v1(kRoot, parent);
  auto created = manager->create("r2", limits(64 << 20, std::nullopt, std::nullopt));
  REQUIRE(created);
  CHECK_FALSE(fs::exists(fs::join(kRoot, "cpuset/" + parent)));
  Limits cpus;
  cpus.cpuset_cpus = "0";
  auto updated = created.value()->update(cpus);
  REQUIRE_FALSE(updated);
  CHECK_THAT(updated.error().describe(), Catch::Contains("no group in a \"cpuset\" hierarchy"));
  REQUIRE(destroy_when_empty(*created.value()));
  manager->remove_parent_if_empty();
}
