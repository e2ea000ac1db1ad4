// The v2 freezer on this host's cgroup2 tree (/sys/fs/cgroup/unified on a hybrid host):
// cgroup.freeze needs no resource controller, so it works on the unified tree too.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "cgroup/cgroup.hpp"
#include "core/fs.hpp"
#include "skip.hpp"
#include "test_support.hpp"

using namespace asup;
using namespace asup::cgroup;
using namespace asup::cgroup::test;
using namespace std::chrono_literals;

TEST_CASE("v2 real: freeze stops the group's processes, thaw resumes them, kill_all ends them",
          "[cgroup][freezer][root]") {
  std::string root = unified_root();
  if (::geteuid() != 0 || root.empty()) {
    ASUP_SKIP("needs root and a cgroup2 mount");
  }
  std::string parent = unique_name("asup-test");
  std::string parent_path = fs::join(root, parent);
  DirCleanup cleanup;  // runs last: after the child below is dead
  cleanup.add(parent_path);
  cleanup.add(fs::join(parent_path, "f1"));

  auto manager = make_v2(root, parent);
  auto created = manager->create("f1", {});
  REQUIRE(created);
  auto& group = *created.value();
  const std::string dir = fs::join(parent_path, "f1");
  if (!fs::exists(dir + "/cgroup.freeze")) {
    CHECK(group.destroy());
    manager->remove_parent_if_empty();
    ASUP_SKIP("this kernel's cgroup2 has no cgroup.freeze (Linux 5.2)");
  }

  SharedCounter counter;
  REQUIRE(counter.valid());
  Child child{start_counting_in(group, counter)};
  REQUIRE(child.pid() > 0);
  ThawAtExit thaw_at_exit{group};
  REQUIRE(eventually([&] { return counter.get() > 0; }, 5000ms));

  REQUIRE(group.freeze());
  CHECK(read_trimmed(dir + "/cgroup.freeze") == "1");
  CHECK(read_trimmed(dir + "/cgroup.events").find("frozen 1") != std::string::npos);
  CHECK(group.freezer_state().value() == FreezerState::Frozen);
  CHECK(manager->open("f1")->freezer_state().value() == FreezerState::Frozen);
  auto frozen_at = counter.get();
  busy_wait(100ms);
  CHECK(counter.get() == frozen_at);

  REQUIRE(group.thaw());
  CHECK(group.freezer_state().value() == FreezerState::Thawed);
  CHECK(read_trimmed(dir + "/cgroup.events").find("frozen 0") != std::string::npos);
  CHECK(eventually([&] { return counter.get() > frozen_at; }, 5000ms));

  // cgroup.kill reaches frozen processes: no thaw needed on v2.
  REQUIRE(group.freeze());
  REQUIRE(group.kill_all());
  CHECK(dies_of_sigkill(child, 5000ms));

  REQUIRE(group.destroy());
  CHECK_FALSE(fs::exists(dir));
  manager->remove_parent_if_empty();
  CHECK_FALSE(fs::exists(parent_path));
}
