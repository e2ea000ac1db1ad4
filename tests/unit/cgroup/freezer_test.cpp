// The freezer on fixture directories: the files each version writes and reads, the
// bounded wait, and groups without a freezer.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "cgroup/cgroup.hpp"
#include "cgroup/freezer.hpp"
#include "core/fs.hpp"
#include "test_support.hpp"

using namespace asup;
using namespace asup::cgroup;
using asup::cgroup::test::read_trimmed;
using asup::cgroup::test::TempDir;
using namespace std::chrono_literals;

namespace {

void make_v1_layout(const TempDir& root, bool with_freezer) {
  for (const char* h : {"memory", "cpu", "pids", "devices"}) REQUIRE(fs::make_dirs(root / h));
  if (with_freezer) REQUIRE(fs::make_dirs(root / "freezer"));
}

void make_v2_parent(const TempDir& root) {
  REQUIRE(fs::make_dirs(root / "asup"));
  REQUIRE(fs::write_file(root / "asup/cgroup.controllers", "cpu memory pids\n"));
  REQUIRE(fs::write_file(root / "asup/cgroup.subtree_control", ""));
}

}  // namespace

TEST_CASE("freezer: freezer.state words", "[cgroup][freezer]") {
  CHECK(freezer::parse_v1_state("THAWED\n").value() == FreezerState::Thawed);
  CHECK(freezer::parse_v1_state("FREEZING\n").value() == FreezerState::Freezing);
  CHECK(freezer::parse_v1_state("FROZEN").value() == FreezerState::Frozen);
  auto bad = freezer::parse_v1_state("SLUSHY\n");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().describe(), Catch::Contains("unknown freezer state \"SLUSHY\""));
}

TEST_CASE("freezer: wait_until asks again until done, and no longer than the timeout",
          "[cgroup][freezer]") {
  int calls = 0;
  auto third = freezer::wait_until(
      [&]() -> Result<bool> {
        ++calls;
        return calls == 3;
      },
      1000ms);
  REQUIRE(third);
  CHECK(third.value());
  CHECK(calls == 3);

  calls = 0;
  auto start = std::chrono::steady_clock::now();
  auto never = freezer::wait_until(
      [&]() -> Result<bool> {
        ++calls;
        return false;
      },
      60ms);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(never);
  CHECK_FALSE(never.value());
  CHECK(took >= 60ms);
  CHECK(took < 1000ms);
  CHECK(calls >= 5);  // at once, then after 1, 2, 4, 8 ms, ...

  auto broken = freezer::wait_until([]() -> Result<bool> { return fail(EIO, "read x"); }, 1000ms);
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code == EIO);
}

TEST_CASE("v1 fixture: freeze writes FROZEN to the freezer group, thaw THAWED",
          "[cgroup][freezer]") {
  TempDir root;
  make_v1_layout(root, /*with_freezer=*/true);
  auto manager = make_v1(root.path(), "asup");
  auto created = manager->create("c1", {});
  REQUIRE(created);
  auto& group = *created.value();
  CHECK(fs::is_directory(root / "freezer/asup/c1"));
  // The container's processes join the freezer group with the others.
  auto procs = group.procs_files();
  CHECK(std::find(procs.begin(), procs.end(), root / "freezer/asup/c1/cgroup.procs") !=
        procs.end());

  CHECK(group.freezer_state().value() == FreezerState::Thawed);  // no freezer.state yet
  REQUIRE(group.freeze());
  CHECK(read_trimmed(root / "freezer/asup/c1/freezer.state") == "FROZEN");
  CHECK(group.freezer_state().value() == FreezerState::Frozen);
  // As a restarted asupd sees it.
  CHECK(manager->open("c1")->freezer_state().value() == FreezerState::Frozen);
  REQUIRE(group.thaw());
  CHECK(read_trimmed(root / "freezer/asup/c1/freezer.state") == "THAWED");
  CHECK(group.freezer_state().value() == FreezerState::Thawed);

  // kill_all thaws after signalling, so the signal is acted on.
  REQUIRE(group.freeze());
  REQUIRE(group.kill_all());
  CHECK(read_trimmed(root / "freezer/asup/c1/freezer.state") == "THAWED");

  REQUIRE(fs::write_file(root / "freezer/asup/c1/freezer.state", "MELTING\n"));
  CHECK_FALSE(group.freezer_state());
  REQUIRE(group.destroy());
  CHECK_FALSE(fs::exists(root / "freezer/asup/c1"));
}

TEST_CASE("v1 fixture: a group in no freezer hierarchy cannot freeze and is never frozen",
          "[cgroup][freezer]") {
  TempDir root;
  make_v1_layout(root, /*with_freezer=*/false);
  auto manager = make_v1(root.path(), "asup");
  auto created = manager->create("c2", {});
  REQUIRE(created);
  auto& group = *created.value();
  auto frozen = group.freeze();
  REQUIRE_FALSE(frozen);
  CHECK(frozen.error().code == ENOTSUP);
  CHECK_THAT(frozen.error().describe(), Catch::StartsWith("freeze c2: its cgroup (") &&
                                            Catch::Contains("is in no freezer hierarchy"));
  CHECK(group.thaw());
  CHECK(group.freezer_state().value() == FreezerState::Thawed);
  CHECK(group.kill_all());
  REQUIRE(group.destroy());
}

TEST_CASE("v2 fixture: freeze writes cgroup.freeze and waits for cgroup.events",
          "[cgroup][freezer]") {
  TempDir root;
  make_v2_parent(root);
  auto manager = make_v2(root.path(), "asup");
  auto created = manager->create("c3", {});
  REQUIRE(created);
  auto& group = *created.value();
  const std::string dir = root / "asup/c3";
  REQUIRE(fs::write_file(dir + "/cgroup.events", "populated 1\nfrozen 1\n"));

  REQUIRE(group.freeze());
  CHECK(read_trimmed(dir + "/cgroup.freeze") == "1");
  CHECK(group.freezer_state().value() == FreezerState::Frozen);
  REQUIRE(fs::write_file(dir + "/cgroup.events", "populated 1\nfrozen 0\n"));
  CHECK(group.freezer_state().value() == FreezerState::Freezing);
  REQUIRE(group.thaw());
  CHECK(read_trimmed(dir + "/cgroup.freeze") == "0");
  CHECK(group.freezer_state().value() == FreezerState::Thawed);

  // A group that never reports frozen is thawed again and the error says so.
  auto start = std::chrono::steady_clock::now();
  auto stuck = freezer::freeze(Version::V2, dir, /*kernel_files=*/false, "c3", 50ms);
  CHECK(std::chrono::steady_clock::now() - start >= 50ms);
  REQUIRE_FALSE(stuck);
  CHECK(stuck.error().code == ETIMEDOUT);
  CHECK_THAT(stuck.error().describe(), Catch::StartsWith("freeze c3: timed out: " + dir +
                                                         "/cgroup.events did not report frozen"));
  CHECK(read_trimmed(dir + "/cgroup.freeze") == "0");
  REQUIRE(group.destroy());
}

TEST_CASE("v2: a kernel without cgroup.freeze", "[cgroup][freezer]") {
  TempDir root;
  REQUIRE(fs::make_dirs(root / "g"));
  // Before Linux 5.2 a group has no cgroup.freeze, and kernfs answers ENOENT to its open
  // (kernel_files: the file is not created, as on cgroupfs).
  auto frozen = freezer::freeze(Version::V2, root / "g", /*kernel_files=*/true, "g", 10ms);
  REQUIRE_FALSE(frozen);
  CHECK(frozen.error().code == ENOTSUP);
  CHECK_THAT(frozen.error().describe(),
             Catch::Contains("has no cgroup.freeze (the cgroup2 freezer needs Linux 5.2)"));
  CHECK(freezer::state(Version::V2, root / "g").value() == FreezerState::Thawed);
  CHECK(freezer::thaw(Version::V2, root / "g", /*kernel_files=*/true));
}
