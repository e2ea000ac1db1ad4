// Group::update on fixture directories: the files a live update writes, what it leaves
// alone, and a failed update undone.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "cgroup/cgroup.hpp"
#include "cgroup/devices.hpp"
#include "core/fs.hpp"
#include "test_support.hpp"

using namespace asup;
using namespace asup::cgroup;
using asup::cgroup::test::limits;
using asup::cgroup::test::read_trimmed;
using asup::cgroup::test::TempDir;

namespace {

void make_v1_layout(const TempDir& root) {
  REQUIRE(fs::make_dirs(root / "memory"));
  REQUIRE(fs::make_dirs(root / "cpu,cpuacct"));
  REQUIRE(::symlink("cpu,cpuacct", (root / "cpu").c_str()) == 0);
  REQUIRE(fs::make_dirs(root / "pids"));
  REQUIRE(fs::make_dirs(root / "devices"));
}

struct V1Files {
  std::string memory, memsw, period, quota, pids;
};

V1Files v1_files(const TempDir& root, const std::string& id) {
  return {read_trimmed(root / ("memory/asup/" + id + "/memory.limit_in_bytes")),
          read_trimmed(root / ("memory/asup/" + id + "/memory.memsw.limit_in_bytes")),
          read_trimmed(root / ("cpu,cpuacct/asup/" + id + "/cpu.cfs_period_us")),
          read_trimmed(root / ("cpu,cpuacct/asup/" + id + "/cpu.cfs_quota_us")),
          read_trimmed(root / ("pids/asup/" + id + "/pids.max"))};
}

}  // namespace

TEST_CASE("v1 fixture: update writes the set limits and leaves the rest", "[cgroup][update]") {
  TempDir root;
  make_v1_layout(root);
  auto manager = make_v1(root.path(), "asup");
  Limits initial = limits(64 << 20, 1.0, 50);
  initial.devices = devices::default_rules();
  auto created = manager->create("c1", initial);
  REQUIRE(created);
  auto& group = *created.value();
  const std::string allow = root / "devices/asup/c1/devices.allow";
  const std::string rules_before = read_trimmed(allow);

  Limits more = limits(128 << 20, 0.5, std::nullopt);
  more.devices = {devices::allow(DeviceType::Char, 4, 64, kDeviceAllAccess)};
  REQUIRE(group.update(more));
  auto f = v1_files(root, "c1");
  CHECK(f.memory == "134217728");
  CHECK(f.memsw == "134217728");
  CHECK(f.period == "100000");
  CHECK(f.quota == "50000");
  CHECK(f.pids == "50");
  CHECK(read_trimmed(allow) == rules_before);  // the device policy is not part of an update

  REQUIRE(manager->open("c1")->update(limits(std::nullopt, std::nullopt, 7)));
  f = v1_files(root, "c1");
  CHECK(f.pids == "7");
  CHECK(f.memory == "134217728");
  CHECK(f.quota == "50000");

  REQUIRE(group.update(limits(0, 0.0, 0)));  // every limit lifted
  f = v1_files(root, "c1");
  CHECK(f.memory == "-1");
  CHECK(f.memsw == "-1");
  CHECK(f.quota == "-1");
  CHECK(f.pids == "max");
  REQUIRE(group.destroy());
}

TEST_CASE("v1 fixture: an update that fails half-way puts the earlier values back",
          "[cgroup][update]") {
  TempDir root;
  make_v1_layout(root);
  auto manager = make_v1(root.path(), "asup");
  auto created = manager->create("c2", limits(64 << 20, 1.0, 50));
  REQUIRE(created);
  auto& group = *created.value();
  // pids.max becomes something no value can be read from or written to, after memory and
  // cpu were written.
  const std::string pids_max = root / "pids/asup/c2/pids.max";
  REQUIRE(::unlink(pids_max.c_str()) == 0);
  REQUIRE(fs::make_dirs(pids_max));

  auto updated = group.update(limits(32 << 20, 2.0, 9));
  REQUIRE_FALSE(updated);
  CHECK_THAT(updated.error().describe(), Catch::Contains(pids_max));
  auto f = v1_files(root, "c2");
  CHECK(f.memory == "67108864");
  CHECK(f.memsw == "67108864");
  CHECK(f.period == "100000");
  CHECK(f.quota == "100000");

  // A bad value fails before anything is written.
  CHECK_FALSE(group.update(limits(1 << 20, 0.001, std::nullopt)));
  CHECK(v1_files(root, "c2").memory == "67108864");
  REQUIRE(::rmdir(pids_max.c_str()) == 0);
  REQUIRE(group.destroy());
}

TEST_CASE("v2 fixture: update enables what it needs and writes the kernel's formats",
          "[cgroup][update]") {
  TempDir root;
  REQUIRE(fs::make_dirs(root / "asup"));
  REQUIRE(fs::write_file(root / "asup/cgroup.controllers", "cpu memory pids\n"));
  REQUIRE(fs::write_file(root / "asup/cgroup.subtree_control", "pids\n"));
  auto manager = make_v2(root.path(), "asup");
  auto created = manager->create("c3", limits(std::nullopt, std::nullopt, 10));
  REQUIRE(created);
  auto& group = *created.value();
  const std::string dir = root / "asup/c3";

  // Created without memory and cpu limits: the parent hands those controllers down now,
  // and the kernel then gives the group their files, with no limit in them.
  REQUIRE(fs::write_file(dir + "/memory.max", "max\n"));
  REQUIRE(fs::write_file(dir + "/memory.swap.max", "max\n"));
  REQUIRE(fs::write_file(dir + "/cpu.max", "max 100000\n"));
  REQUIRE(group.update(limits(64 << 20, 1.5, std::nullopt)));
  CHECK(read_trimmed(root / "asup/cgroup.subtree_control") == "+memory +cpu");
  CHECK(read_trimmed(dir + "/memory.max") == "67108864");
  CHECK(read_trimmed(dir + "/memory.swap.max") == "0");
  CHECK(read_trimmed(dir + "/cpu.max") == "150000 100000");
  CHECK(read_trimmed(dir + "/pids.max") == "10");

  SECTION("a memory limit below the usage is refused before anything changes") {
    REQUIRE(fs::write_file(dir + "/memory.current", "50331648\n"));
    auto refused = group.update(limits(32 << 20, 3.0, 20));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == EBUSY);
    CHECK(refused.error().message ==
          "Cannot update container memory: the limit of 33554432 bytes is below the 50331648 "
          "bytes the container uses now, in " +
              dir);
    CHECK(read_trimmed(dir + "/memory.max") == "67108864");
    CHECK(read_trimmed(dir + "/cpu.max") == "150000 100000");
    CHECK(read_trimmed(dir + "/pids.max") == "10");
    // Above the usage, or unlimited, it goes through.
    REQUIRE(group.update(limits(48 << 20, std::nullopt, std::nullopt)));
    CHECK(read_trimmed(dir + "/memory.max") == "50331648");
    REQUIRE(group.update(limits(0, std::nullopt, std::nullopt)));
    CHECK(read_trimmed(dir + "/memory.max") == "max");
    CHECK(read_trimmed(dir + "/memory.swap.max") == "max");
  }
  SECTION("a usage that cannot be read lets the write through") {
    REQUIRE(group.update(limits(16 << 20, std::nullopt, std::nullopt)));
    CHECK(read_trimmed(dir + "/memory.max") == "16777216");
  }
  REQUIRE(group.destroy());
}
