// The v1 backend on this host's v1 hierarchies: limits read back from the kernel, a
// process in every hierarchy, a memory hog OOM-killed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>

#include "cgroup/cgroup.hpp"
#include "cgroup/control_file.hpp"
#include "core/fs.hpp"
#include "skip.hpp"
#include "test_support.hpp"

using namespace asup;
using namespace asup::cgroup;
using namespace asup::cgroup::test;

namespace {

const std::string kRoot = "/sys/fs/cgroup";

bool v1_available() {
  return ::geteuid() == 0 && mounted_as(kRoot + "/memory", CGROUP_SUPER_MAGIC) &&
         mounted_as(kRoot + "/cpu", CGROUP_SUPER_MAGIC) &&
         mounted_as(kRoot + "/pids", CGROUP_SUPER_MAGIC);
}

}  // namespace

TEST_CASE("v1 real: limits, membership, OOM kill, destroy", "[cgroup][root]") {
  if (!v1_available()) {
    ASUP_SKIP("needs root and v1 memory, cpu and pids hierarchies");
  }
  std::string parent = unique_name("asup-test");
  DirCleanup cleanup;
  guard_v1_groups(cleanup, kRoot, parent, {"c1"});

  auto manager = make_v1(kRoot, parent);
  auto created = manager->create("c1", limits(64 << 20, 0.5, 50));
  REQUIRE(created);
  auto& group = *created.value();
  std::string mem = fs::join(kRoot, "memory/" + parent + "/c1");
  std::string cpu = fs::join(kRoot, "cpu/" + parent + "/c1");
  std::string pids = fs::join(kRoot, "pids/" + parent + "/c1");
  CHECK(read_trimmed(mem + "/memory.limit_in_bytes") == "67108864");
  if (fs::exists(mem + "/memory.memsw.limit_in_bytes"))
    CHECK(read_trimmed(mem + "/memory.memsw.limit_in_bytes") == "67108864");
  CHECK(read_trimmed(cpu + "/cpu.cfs_period_us") == "100000");
  CHECK(read_trimmed(cpu + "/cpu.cfs_quota_us") == "50000");
  CHECK(read_trimmed(pids + "/pids.max") == "50");

  SECTION("a process joins every hierarchy and kill_all kills it") {
    int gate = -1;
    Child child{fork_gated(gate, [] {
      for (;;) ::pause();
    })};
    REQUIRE(child.pid() > 0);
    REQUIRE(group.add_process(child.pid()));
    release(gate);
    auto files = group.procs_files();
    // memory, cpu, pids, devices, and freezer where this host mounts it
    REQUIRE(files.size() == (mounted_as(kRoot + "/freezer", CGROUP_SUPER_MAGIC) ? 5u : 4u));
    for (const auto& f : files) CHECK(lists(f, child.pid()));
    REQUIRE(group.kill_all());
    int status = child.wait();
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    CHECK_FALSE(group.oom_killed());
  }

  SECTION("a memory hog is OOM-killed") {
    int gate = -1;
    Child hog{fork_gated(gate, [] {
      // Touch every page so the memory is charged, well past the 64 MiB limit.
      for (int i = 0; i < 1024; ++i) {
        void* p = std::malloc(1 << 20);
        if (!p) ::_exit(2);
        std::memset(p, i + 1, 1 << 20);
      }
      ::_exit(0);
    })};
    REQUIRE(hog.pid() > 0);
    REQUIRE(group.add_process(hog.pid()));
    release(gate);
    int status = hog.wait();
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    CHECK(group.oom_killed());
  }

  REQUIRE(destroy_when_empty(group));
  CHECK_FALSE(fs::exists(mem));
  CHECK_FALSE(fs::exists(cpu));
  CHECK_FALSE(fs::exists(pids));
  CHECK_FALSE(fs::exists(fs::join(kRoot, "devices/" + parent + "/c1")));
  CHECK_FALSE(fs::exists(fs::join(kRoot, "freezer/" + parent + "/c1")));
  manager->remove_parent_if_empty();
  CHECK_FALSE(fs::exists(fs::join(kRoot, "memory/" + parent)));
  CHECK_FALSE(fs::exists(fs::join(kRoot, "cpu/" + parent)));
  CHECK_FALSE(fs::exists(fs::join(kRoot, "pids/" + parent)));
  CHECK_FALSE(fs::exists(fs::join(kRoot, "devices/" + parent)));
  CHECK_FALSE(fs::exists(fs::join(kRoot, "freezer/" + parent)));
}
