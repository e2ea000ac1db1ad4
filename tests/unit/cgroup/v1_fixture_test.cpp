// The v1 backend against a plain directory laid out like a hybrid host's /sys/fs/cgroup,
// with cpu co-mounted as "cpu,cpuacct" and per-controller symlinks.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "cgroup/cgroup.hpp"
#include "core/fs.hpp"
#include "test_support.hpp"

using namespace asup;
using namespace asup::cgroup;
using asup::cgroup::test::Child;
using asup::cgroup::test::limits;
using asup::cgroup::test::TempDir;

namespace {

void make_layout(const TempDir& root, bool with_pids = true) {
  REQUIRE(fs::make_dirs(root / "memory"));
  REQUIRE(fs::make_dirs(root / "cpu,cpuacct"));
  REQUIRE(::symlink("cpu,cpuacct", (root / "cpu").c_str()) == 0);
  REQUIRE(::symlink("cpu,cpuacct", (root / "cpuacct").c_str()) == 0);
  REQUIRE(fs::make_dirs(root / "cpuset"));
  if (with_pids) REQUIRE(fs::make_dirs(root / "pids"));
}

}  // namespace

TEST_CASE("v1 fixture: one group per hierarchy, limits in the kernel's formats", "[cgroup]") {
  TempDir root;
  make_layout(root);
  auto manager = make_v1(root.path(), "asup");
  CHECK(manager->version() == "v1");

  auto group = manager->create("c1", limits(536870912, 1.5, 100));
  REQUIRE(group);
  CHECK(fs::read_file(root / "memory/asup/c1/memory.limit_in_bytes").value() == "536870912");
  CHECK(fs::read_file(root / "memory/asup/c1/memory.memsw.limit_in_bytes").value() == "536870912");
  CHECK(fs::read_file(root / "cpu,cpuacct/asup/c1/cpu.cfs_period_us").value() == "100000");
  CHECK(fs::read_file(root / "cpu,cpuacct/asup/c1/cpu.cfs_quota_us").value() == "150000");
  CHECK(fs::read_file(root / "pids/asup/c1/pids.max").value() == "100");
  CHECK_FALSE(fs::exists(root / "cpuset/asup"));  // not needed, not touched

  auto& g = *group.value();
  CHECK(g.clone_into_fd() < 0);
  auto procs = g.procs_files();
  CHECK(procs == std::vector<std::string>{root / "memory/asup/c1/cgroup.procs",
                                          root / "cpu,cpuacct/asup/c1/cgroup.procs",
                                          root / "pids/asup/c1/cgroup.procs"});
  REQUIRE(g.add_process(4242));
  for (const auto& f : procs) CHECK(fs::read_file(f).value() == "4242");

  CHECK_FALSE(g.oom_killed());
  REQUIRE(fs::write_file(root / "memory/asup/c1/memory.oom_control",
                         "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"));
  CHECK(g.oom_killed());

  REQUIRE(g.destroy());
  for (const char* h : {"memory", "cpu,cpuacct", "pids"})
    CHECK_FALSE(fs::exists(root / (std::string(h) + "/asup/c1")));
  CHECK(g.destroy());
  manager->remove_parent_if_empty();
  for (const char* h : {"memory", "cpu,cpuacct", "pids"})
    CHECK_FALSE(fs::exists(root / (std::string(h) + "/asup")));
}

TEST_CASE("v1 fixture: a cpu hierarchy under its own name works too", "[cgroup]") {
  TempDir root;
  REQUIRE(fs::make_dirs(root / "cpu"));
  REQUIRE(fs::make_dirs(root / "cpuacct"));
  REQUIRE(fs::make_dirs(root / "memory"));
  REQUIRE(fs::make_dirs(root / "pids"));
  auto group = make_v1(root.path(), "asup")->create("c2", limits(std::nullopt, 0.5, 0));
  REQUIRE(group);
  CHECK(fs::read_file(root / "cpu/asup/c2/cpu.cfs_quota_us").value() == "50000");
  CHECK(fs::read_file(root / "pids/asup/c2/pids.max").value() == "max");
  CHECK_FALSE(fs::exists(root / "cpuacct/asup"));
  REQUIRE(group.value()->destroy());
}

TEST_CASE("v1 fixture: a limit without its hierarchy fails and leaves nothing", "[cgroup]") {
  TempDir root;
  make_layout(root, /*with_pids=*/false);
  auto group = make_v1(root.path(), "asup")->create("c3", limits(1 << 20, std::nullopt, 5));
  REQUIRE_FALSE(group);
  CHECK_THAT(group.error().describe(),
             Catch::Contains("cgroup v1 controller \"pids\" is not mounted under " + root.path()));
  CHECK_FALSE(fs::exists(root / "memory/asup"));
  CHECK_FALSE(fs::exists(root / "cpu,cpuacct/asup"));
}

TEST_CASE("v1 fixture: a failure half-way removes the groups and parents it made", "[cgroup]") {
  TempDir root;
  make_layout(root);
  // The pids hierarchy already holds a file where the group would go: its mkdir fails
  // after memory and cpu got theirs.
  REQUIRE(fs::make_dirs(root / "pids/asup"));
  REQUIRE(fs::write_file(root / "pids/asup/c4", ""));
  auto group =
      make_v1(root.path(), "asup")->create("c4", limits(1 << 20, std::nullopt, std::nullopt));
  REQUIRE_FALSE(group);
  CHECK_THAT(group.error().describe(), Catch::Contains("mkdir " + (root / "pids/asup/c4")));
  CHECK_FALSE(fs::exists(root / "memory/asup"));
  CHECK_FALSE(fs::exists(root / "cpu,cpuacct/asup"));
  CHECK(fs::exists(root / "pids/asup/c4"));  // not ours: left alone
}

TEST_CASE("v1 fixture: open leaves out hierarchies a group made earlier is not in", "[cgroup]") {
  TempDir root;
  make_layout(root);
  REQUIRE(fs::make_dirs(root / "devices"));
  auto manager = make_v1(root.path(), "asup");
  auto made = manager->create("c6", {});
  REQUIRE(made);
  CHECK(made.value()->procs_files().size() == 4);
  // As a group from before the devices hierarchy was used.
  REQUIRE(fs::remove_tree(root / "devices/asup/c6"));
  auto opened = manager->open("c6");
  CHECK(opened->procs_files() == std::vector<std::string>{root / "memory/asup/c6/cgroup.procs",
                                                          root / "cpu,cpuacct/asup/c6/cgroup.procs",
                                                          root / "pids/asup/c6/cgroup.procs"});
  REQUIRE(opened->destroy());
  // A group with no directory at all keeps every path, for errors to name.
  CHECK(manager->open("gone")->procs_files().size() == 4);
}

TEST_CASE("v1 fixture: kill_all SIGKILLs every listed process", "[cgroup]") {
  TempDir root;
  make_layout(root);
  auto group = make_v1(root.path(), "asup")->create("c5", {});
  REQUIRE(group);
  Child a{::fork()};
  if (a.pid() == 0) {
    for (;;) ::pause();
  }
  Child b{::fork()};
  if (b.pid() == 0) {
    for (;;) ::pause();
  }
  REQUIRE(a.pid() > 0);
  REQUIRE(b.pid() > 0);
  // Each hierarchy lists a different subset; the walk takes the union.
  REQUIRE(fs::write_file(root / "memory/asup/c5/cgroup.procs", std::to_string(a.pid()) + "\n"));
  REQUIRE(fs::write_file(root / "pids/asup/c5/cgroup.procs", std::to_string(b.pid()) + "\n"));
  REQUIRE(group.value()->kill_all());
  int sa = a.wait(), sb = b.wait();
  CHECK((WIFSIGNALED(sa) && WTERMSIG(sa) == SIGKILL));
  CHECK((WIFSIGNALED(sb) && WTERMSIG(sb) == SIGKILL));
  REQUIRE(group.value()->destroy());
}

TEST_CASE("v1 fixture: a cpuset group and its new parent get the cpus and mems they inherit",
          "[cgroup]") {
  TempDir root;
  make_layout(root);
  REQUIRE(fs::write_file(root / "cpuset/cpuset.cpus", "0-3\n"));
  REQUIRE(fs::write_file(root / "cpuset/cpuset.mems", "0-1\n"));
  Limits l;
  l.cpuset_cpus = "2";
  auto manager = make_v1(root.path(), "asup");
  auto group = manager->create("c9", l);
  REQUIRE(group);
  CHECK(fs::read_file(root / "cpuset/asup/c9/cpuset.cpus").value() == "2");
  CHECK(fs::read_file(root / "cpuset/asup/c9/cpuset.mems").value() == "0-1");
  // The parent asupd made, empty on a kernel, took the root's values first.
  CHECK(fs::read_file(root / "cpuset/asup/cpuset.cpus").value() == "0-3");
  CHECK(fs::read_file(root / "cpuset/asup/cpuset.mems").value() == "0-1");
  CHECK(group.value()->procs_files().back() == root / "cpuset/asup/c9/cgroup.procs");
  REQUIRE(group.value()->destroy());
  CHECK_FALSE(fs::exists(root / "cpuset/asup/c9"));
}

TEST_CASE("v1 fixture: a missing blkio hierarchy skips the optional weight", "[cgroup]") {
  TempDir root;
  make_layout(root);
  Limits l;
  l.blkio_weight = 300;
  auto group = make_v1(root.path(), "asup")->create("c10", l);
  REQUIRE(group);
  CHECK(group.value()->procs_files().size() == 3);
  REQUIRE(group.value()->destroy());
}
