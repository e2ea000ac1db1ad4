// The v2 backend against a plain directory laid out like a cgroup2 mount: the exact bytes
// written to each interface file.
#include <catch2/catch.hpp>

#include "cgroup/cgroup.hpp"
#include "core/fs.hpp"
#include "test_support.hpp"

using namespace asup;
using namespace asup::cgroup;
using asup::cgroup::test::limits;
using asup::cgroup::test::read_trimmed;
using asup::cgroup::test::TempDir;

namespace {

// MOUNT/asup with the controllers the parent may hand down.
void make_parent(const TempDir& root, const std::string& controllers,
                 const std::string& subtree = "") {
  REQUIRE(fs::make_dirs(root / "asup"));
  REQUIRE(fs::write_file(root / "asup/cgroup.controllers", controllers + "\n"));
  REQUIRE(fs::write_file(root / "asup/cgroup.subtree_control", subtree));
}

}  // namespace

TEST_CASE("v2 fixture: limits are written in the kernel's formats", "[cgroup]") {
  TempDir root;
  REQUIRE(!root.path().empty());
  make_parent(root, "cpuset cpu io memory hugetlb pids rdma misc");
  auto manager = make_v2(root.path(), "asup");
  CHECK(manager->version() == "v2");

  auto group = manager->create("c1", limits(536870912, 1.5, 100));
  REQUIRE(group);
  CHECK(fs::read_file(root / "asup/c1/memory.max").value() == "536870912");
  CHECK(fs::read_file(root / "asup/c1/memory.swap.max").value() == "0");
  CHECK(fs::read_file(root / "asup/c1/cpu.max").value() == "150000 100000");
  CHECK(fs::read_file(root / "asup/c1/pids.max").value() == "100");
  // One write enabling exactly the controllers the limits need.
  CHECK(fs::read_file(root / "asup/cgroup.subtree_control").value() == "+memory +cpu +pids");

  auto& g = *group.value();
  CHECK(g.clone_into_fd() >= 0);
  CHECK(g.describe() == root / "asup/c1");
  CHECK(g.procs_files() == std::vector<std::string>{root / "asup/c1/cgroup.procs"});
  REQUIRE(g.add_process(4242));
  CHECK(fs::read_file(root / "asup/c1/cgroup.procs").value() == "4242");

  CHECK_FALSE(g.oom_killed());
  REQUIRE(fs::write_file(root / "asup/c1/memory.events",
                         "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n"));
  CHECK(g.oom_killed());

  REQUIRE(g.destroy());
  CHECK_FALSE(fs::exists(root / "asup/c1"));
  CHECK(g.destroy());  // idempotent
}

TEST_CASE("v2 fixture: unlimited pids, and controllers already enabled stay untouched",
          "[cgroup]") {
  TempDir root;
  make_parent(root, "cpu memory pids", "memory pids\n");
  auto manager = make_v2(root.path(), "asup");
  auto group = manager->create("c2", limits(std::nullopt, std::nullopt, 0));
  REQUIRE(group);
  CHECK(fs::read_file(root / "asup/c2/pids.max").value() == "max");
  CHECK(fs::read_file(root / "asup/cgroup.subtree_control").value() == "memory pids\n");
  CHECK_FALSE(fs::exists(root / "asup/c2/memory.max"));
  REQUIRE(group.value()->destroy());
}

TEST_CASE("v2 fixture: no limits touch no controller", "[cgroup]") {
  TempDir root;
  make_parent(root, "");
  auto manager = make_v2(root.path(), "asup");
  auto group = manager->create("c3", {});
  REQUIRE(group);
  CHECK(fs::is_directory(root / "asup/c3"));
  CHECK(fs::read_file(root / "asup/cgroup.subtree_control").value() == "");
  REQUIRE(group.value()->destroy());
  manager->remove_parent_if_empty();
  CHECK(fs::exists(root / "asup"));  // the fixture's files keep it non-empty
}

TEST_CASE("v2 fixture: a missing controller fails clearly and leaves nothing", "[cgroup]") {
  TempDir root;
  make_parent(root, "cpu pids");
  auto manager = make_v2(root.path(), "asup");
  auto group = manager->create("c4", limits(1 << 20, std::nullopt, 10));
  REQUIRE_FALSE(group);
  CHECK_THAT(
      group.error().describe(),
      Catch::Contains("cgroup v2 controller \"memory\" is not available under " + (root / "asup")));
  CHECK_FALSE(fs::exists(root / "asup/c4"));
  CHECK(fs::read_file(root / "asup/cgroup.subtree_control").value() == "");
}

TEST_CASE("v2 fixture: a parent made by a failed create is removed again", "[cgroup]") {
  TempDir root;
  auto manager = make_v2(root.path(), "fresh");
  // A plain directory has no cgroup.controllers: the create fails after making the parent.
  auto group = manager->create("c5", limits(std::nullopt, std::nullopt, 5));
  REQUIRE_FALSE(group);
  CHECK_THAT(group.error().describe(), Catch::Contains("cgroup.controllers"));
  CHECK_FALSE(fs::exists(root / "fresh"));
}

TEST_CASE("v2 fixture: bad limits and bad ids fail before anything is made", "[cgroup]") {
  TempDir root;
  make_parent(root, "cpu memory pids");
  auto manager = make_v2(root.path(), "asup");
  CHECK_FALSE(manager->create("c6", limits(std::nullopt, 0.001, std::nullopt)));
  CHECK_FALSE(fs::exists(root / "asup/c6"));
  CHECK_FALSE(manager->create("../escape", {}));
  CHECK_FALSE(fs::exists(root / "escape"));
}

TEST_CASE("v2 fixture: open names the same group as create", "[cgroup]") {
  TempDir root;
  make_parent(root, "");
  auto manager = make_v2(root.path(), "asup");
  auto created = manager->create("c7", {});
  REQUIRE(created);
  auto opened = manager->open("c7");
  CHECK(opened->describe() == created.value()->describe());
  CHECK(opened->clone_into_fd() >= 0);
  REQUIRE(opened->destroy());
  CHECK_FALSE(fs::exists(root / "asup/c7"));
}

TEST_CASE("v2 fixture: cpuset, cpu weight, swap, low and io weight: cpuset and io enabled",
          "[cgroup]") {
  TempDir root;
  make_parent(root, "cpuset cpu io memory pids");
  Limits l;
  l.memory_bytes = 64 << 20;
  l.memory_swap = 96 << 20;
  l.memory_reservation = 16 << 20;
  l.cpuset_cpus = "0-1";
  l.cpuset_mems = "0";
  l.cpu_shares = 1024;
  l.cpu_period = 50000;
  l.cpu_quota = 100000;
  l.blkio_weight = 1000;
  auto group = make_v2(root.path(), "asup")->create("r1", l);
  REQUIRE(group);
  CHECK(fs::read_file(root / "asup/r1/memory.max").value() == "67108864");
  CHECK(fs::read_file(root / "asup/r1/memory.swap.max").value() == "33554432");
  CHECK(fs::read_file(root / "asup/r1/memory.low").value() == "16777216");
  CHECK(fs::read_file(root / "asup/r1/cpuset.cpus").value() == "0-1");
  CHECK(fs::read_file(root / "asup/r1/cpuset.mems").value() == "0");
  CHECK(fs::read_file(root / "asup/r1/cpu.weight").value() == "39");
  CHECK(fs::read_file(root / "asup/r1/cpu.max").value() == "100000 50000");
  CHECK(fs::read_file(root / "asup/r1/io.weight").value() == "default 10000");
  CHECK(fs::read_file(root / "asup/r1/io.bfq.weight").value() == "1000");
  CHECK(fs::read_file(root / "asup/cgroup.subtree_control").value() == "+memory +cpuset +cpu +io");

  // An update of --memory-swap alone counts from the limit the group has.
  Limits swap;
  swap.memory_swap = 128 << 20;
  REQUIRE(group.value()->update(swap));
  CHECK(fs::read_file(root / "asup/r1/memory.swap.max").value() == "67108864");
  Limits cpus;
  cpus.cpuset_cpus = "1";
  REQUIRE(group.value()->update(cpus));
  CHECK(fs::read_file(root / "asup/r1/cpuset.cpus").value() == "1");
  CHECK(fs::read_file(root / "asup/r1/cpuset.mems").value() == "0");
  REQUIRE(group.value()->destroy());
}

TEST_CASE("v2 fixture: --oom-kill-disable writes nothing (the plan warns)", "[cgroup]") {
  TempDir root;
  make_parent(root, "memory");
  Limits l;
  l.oom_kill_disable = true;
  auto group = make_v2(root.path(), "asup")->create("r2", l);
  REQUIRE(group);
  CHECK(fs::list_dir(root / "asup/r2").value().empty());
  CHECK(fs::read_file(root / "asup/cgroup.subtree_control").value() == "");
  REQUIRE(group.value()->destroy());
}
