// The v2 backend on this host's cgroup2 tree (/sys/fs/cgroup/unified on a hybrid host):
// what needs no resource controller — groups, CLONE_INTO_CGROUP, cgroup.procs,
// cgroup.kill, cgroup.events.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "cgroup/cgroup.hpp"
#include "cgroup/control_file.hpp"
#include "core/fs.hpp"
#include "core/syscalls.hpp"
#include "skip.hpp"
#include "test_support.hpp"

using namespace asup;
using namespace asup::cgroup;
using namespace asup::cgroup::test;

TEST_CASE("v2 real: CLONE_INTO_CGROUP, cgroup.procs, cgroup.kill, cgroup.events, destroy",
          "[cgroup][root]") {
  std::string root = unified_root();
  if (::geteuid() != 0 || root.empty()) {
    ASUP_SKIP("needs root and a cgroup2 mount");
  }
  std::string parent = unique_name("asup-test");
  std::string parent_path = fs::join(root, parent);
  DirCleanup cleanup;  // runs last: after the children below are dead
  cleanup.add(parent_path);
  cleanup.add(fs::join(parent_path, "c1"));

  auto manager = make_v2(root, parent);
  auto created = manager->create("c1", {});
  REQUIRE(created);
  auto& group = *created.value();
  CHECK(fs::is_directory(fs::join(parent_path, "c1")));
  REQUIRE(group.clone_into_fd() >= 0);

  // Born inside the group: no window in which the child runs elsewhere.
  int pidfd = -1;
  struct clone_args args = {};
  args.flags = CLONE_PIDFD | CLONE_INTO_CGROUP;
  args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<std::uint64_t>(group.clone_into_fd());
  pid_t pid = sys::clone3_raw(&args);
  if (pid == 0) {
    for (;;) ::pause();
  }
  REQUIRE(pid > 0);
  Child cloned{pid};
  UniqueFd pidfd_guard{pidfd};

  // And one moved in after birth.
  Child forked{::fork()};
  if (forked.pid() == 0) {
    for (;;) ::pause();
  }
  REQUIRE(forked.pid() > 0);
  REQUIRE(group.add_process(forked.pid()));

  std::string procs = group.procs_files().at(0);
  CHECK(lists(procs, pid));
  CHECK(lists(procs, forked.pid()));
  CHECK(read_trimmed(fs::join(parent_path, "c1/cgroup.events")).find("populated 1") !=
        std::string::npos);

  REQUIRE(group.kill_all());
  siginfo_t info = {};
  REQUIRE(::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED) == 0);
  cloned.forget();
  CHECK(info.si_code == CLD_KILLED);
  CHECK(info.si_status == SIGKILL);
  int status = forked.wait();
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));

  CHECK(read_trimmed(fs::join(parent_path, "c1/cgroup.events")).find("populated 0") !=
        std::string::npos);
  CHECK_FALSE(group.oom_killed());

  REQUIRE(group.destroy());
  CHECK_FALSE(fs::exists(fs::join(parent_path, "c1")));
  CHECK(group.destroy());
  manager->remove_parent_if_empty();
  CHECK_FALSE(fs::exists(parent_path));
}

TEST_CASE("v2 real: a limit without its controller fails cleanly and leaves nothing",
          "[cgroup][root]") {
  std::string root = unified_root();
  if (::geteuid() != 0 || root.empty()) {
    ASUP_SKIP("needs root and a cgroup2 mount");
  }
  std::string parent = unique_name("asup-test");
  std::string parent_path = fs::join(root, parent);
  DirCleanup cleanup;
  cleanup.add(parent_path);
  cleanup.add(fs::join(parent_path, "c2"));

  // Which controllers a new child of the root gets: those the root enables for its subtree.
  auto enabled = fs::read_file(fs::join(root, "cgroup.subtree_control"));
  REQUIRE(enabled);
  if (enabled.value().find("memory") != std::string::npos) {
    ASUP_SKIP("the memory controller is enabled on " + root);
  }
  auto manager = make_v2(root, parent);
  auto created = manager->create("c2", limits(64 << 20, std::nullopt, std::nullopt));
  REQUIRE_FALSE(created);
  CHECK_THAT(
      created.error().describe(),
      Catch::Contains("cgroup v2 controller \"memory\" is not available under " + parent_path));
  CHECK_FALSE(fs::exists(fs::join(parent_path, "c2")));
  CHECK_FALSE(fs::exists(parent_path));
}
