// Pause and live updates on this host's v1 hierarchies, with real processes: a frozen
// process makes no progress, a thawed one does, one killed while frozen dies; limits
// changed under a running process read back from the kernel, and a memory limit below
// what the process uses is refused without changing anything.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
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
using namespace std::chrono_literals;

namespace {

const std::string kRoot = "/sys/fs/cgroup";

bool v1_available() {
  for (const char* h : {"memory", "cpu", "pids", "freezer"})
    if (!mounted_as(kRoot + "/" + h, CGROUP_SUPER_MAGIC)) return false;
  return ::geteuid() == 0;
}

std::vector<pid_t> listed(const std::string& procs_file) {
  auto pids = read_procs(procs_file);
  return pids ? pids.value() : std::vector<pid_t>{};
}

}  // namespace

TEST_CASE("v1 real: freeze stops the group's processes, thaw resumes them, kill_all ends them",
          "[cgroup][freezer][root]") {
  if (!v1_available()) {
    ASUP_SKIP("needs root and v1 memory, cpu, pids and freezer hierarchies");
  }
  std::string parent = unique_name("asup-test");
  DirCleanup cleanup;
  guard_v1_groups(cleanup, kRoot, parent, {"f1"});
  auto manager = make_v1(kRoot, parent);
  auto created = manager->create("f1", {});
  REQUIRE(created);
  auto& group = *created.value();
  const std::string freezer_dir = fs::join(v1_hierarchy_dir(kRoot, "freezer"), parent + "/f1");
  REQUIRE(fs::is_directory(freezer_dir));

  SharedCounter counter;
  REQUIRE(counter.valid());
  Child child{start_counting_in(group, counter)};
  REQUIRE(child.pid() > 0);
  ThawAtExit thaw_at_exit{group};
  CHECK(listed(freezer_dir + "/cgroup.procs") == std::vector<pid_t>{child.pid()});
  REQUIRE(eventually([&] { return counter.get() > 0; }, 5000ms));

  REQUIRE(group.freeze());
  CHECK(read_trimmed(freezer_dir + "/freezer.state") == "FROZEN");
  CHECK(group.freezer_state().value() == FreezerState::Frozen);
  CHECK(manager->open("f1")->freezer_state().value() == FreezerState::Frozen);
  auto frozen_at = counter.get();
  busy_wait(100ms);
  CHECK(counter.get() == frozen_at);
  CHECK(group.freeze());  // freezing a frozen group is no error

  REQUIRE(group.thaw());
  CHECK(read_trimmed(freezer_dir + "/freezer.state") == "THAWED");
  CHECK(group.freezer_state().value() == FreezerState::Thawed);
  CHECK(eventually([&] { return counter.get() > frozen_at; }, 5000ms));

  // SIGKILL to a frozen v1 task is acted on only once it is thawed: kill_all thaws.
  REQUIRE(group.freeze());
  REQUIRE(group.kill_all());
  CHECK(dies_of_sigkill(child, 5000ms));
  CHECK(group.freezer_state().value() == FreezerState::Thawed);

  CHECK(destroy_when_empty(group));
  CHECK_FALSE(fs::exists(freezer_dir));
  manager->remove_parent_if_empty();
  CHECK_FALSE(fs::exists(fs::join(v1_hierarchy_dir(kRoot, "freezer"), parent)));
}

TEST_CASE("v1 real: a group that keeps forking freezes too", "[cgroup][freezer][root]") {
  if (!v1_available()) {
    ASUP_SKIP("needs root and v1 memory, cpu, pids and freezer hierarchies");
  }
  std::string parent = unique_name("asup-test");
  DirCleanup cleanup;
  guard_v1_groups(cleanup, kRoot, parent, {"f2"});
  auto manager = make_v1(kRoot, parent);
  auto created = manager->create("f2", limits(std::nullopt, std::nullopt, 64));
  REQUIRE(created);
  auto& group = *created.value();

  SharedCounter forks;
  REQUIRE(forks.valid());
  int gate = -1;
  Child child{fork_gated(gate, [&] {
    for (;;) {
      pid_t pid = ::fork();
      if (pid == 0) ::_exit(0);
      if (pid > 0) ::waitpid(pid, nullptr, 0);
      forks.count_once();
    }
  })};
  REQUIRE(child.pid() > 0);
  ThawAtExit thaw_at_exit{group};
  REQUIRE(group.add_process(child.pid()));
  release(gate);
  REQUIRE(eventually([&] { return forks.get() > 10; }, 5000ms));

  REQUIRE(group.freeze());
  auto frozen_at = forks.get();
  const std::string procs = group.procs_files().front();
  auto members = listed(procs);
  busy_wait(100ms);
  CHECK(forks.get() == frozen_at);
  CHECK(listed(procs) == members);

  REQUIRE(group.kill_all());
  CHECK(dies_of_sigkill(child, 5000ms));
  CHECK(eventually([&] { return listed(procs).empty(); }, 5000ms));
  CHECK(destroy_when_empty(group));
  manager->remove_parent_if_empty();
}

TEST_CASE("v1 real: update changes memory, cpus and pids under a running process",
          "[cgroup][update][root]") {
  if (!v1_available()) {
    ASUP_SKIP("needs root and v1 memory, cpu, pids and freezer hierarchies");
  }
  std::string parent = unique_name("asup-test");
  DirCleanup cleanup;
  guard_v1_groups(cleanup, kRoot, parent, {"u1"});
  auto manager = make_v1(kRoot, parent);
  auto created = manager->create("u1", limits(64 << 20, 1.0, 50));
  REQUIRE(created);
  auto& group = *created.value();
  const std::string mem = fs::join(v1_hierarchy_dir(kRoot, "memory"), parent + "/u1");
  const std::string cpu = fs::join(v1_hierarchy_dir(kRoot, "cpu"), parent + "/u1");
  const std::string pids = fs::join(v1_hierarchy_dir(kRoot, "pids"), parent + "/u1");
  const bool memsw = fs::exists(mem + "/memory.memsw.limit_in_bytes");

  // A process that holds 32 MiB of its own, touched page by page so all of it is
  // charged, and says so on a pipe.
  int ready[2];
  REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
  int gate = -1;
  Child hog{fork_gated(gate, [&] {
    constexpr std::size_t kSize = 32 << 20;
    char* p = static_cast<char*>(std::malloc(kSize));
    if (!p) ::_exit(2);
    std::memset(p, 1, kSize);
    char c = 'r';
    (void)!::write(ready[1], &c, 1);
    for (;;) ::pause();
  })};
  ::close(ready[1]);
  REQUIRE(hog.pid() > 0);
  REQUIRE(group.add_process(hog.pid()));

  // Up: memsw must go first, or the kernel refuses the memory limit.
  REQUIRE(group.update(limits(128 << 20, 0.5, 100)));
  CHECK(read_trimmed(mem + "/memory.limit_in_bytes") == "134217728");
  if (memsw) CHECK(read_trimmed(mem + "/memory.memsw.limit_in_bytes") == "134217728");
  CHECK(read_trimmed(cpu + "/cpu.cfs_quota_us") == "50000");
  CHECK(read_trimmed(pids + "/pids.max") == "100");

  release(gate);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);  // the hog holds its 32 MiB
  ::close(ready[0]);

  // Down, above what the group uses.
  REQUIRE(group.update(limits(48 << 20, std::nullopt, std::nullopt)));
  CHECK(read_trimmed(mem + "/memory.limit_in_bytes") == "50331648");
  if (memsw) CHECK(read_trimmed(mem + "/memory.memsw.limit_in_bytes") == "50331648");
  CHECK(read_trimmed(cpu + "/cpu.cfs_quota_us") == "50000");

  // Below it: the kernel refuses, and nothing else changed either.
  auto refused = group.update(limits(16 << 20, 2.0, 10));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == EBUSY);
  CHECK_THAT(refused.error().message,
             Catch::StartsWith("Cannot update container memory: the limit of 16777216 bytes is "
                               "below the ") &&
                 Catch::EndsWith("bytes the container uses now, in " + mem));
  CHECK(read_trimmed(mem + "/memory.limit_in_bytes") == "50331648");
  if (memsw) CHECK(read_trimmed(mem + "/memory.memsw.limit_in_bytes") == "50331648");
  CHECK(read_trimmed(cpu + "/cpu.cfs_quota_us") == "50000");
  CHECK(read_trimmed(pids + "/pids.max") == "100");
  CHECK_FALSE(hog.wait_for(0ms));  // refused, not OOM-killed
  CHECK_FALSE(group.oom_killed());

  // Lifted entirely.
  REQUIRE(group.update(limits(0, 0.0, 0)));
  CHECK(read_trimmed(cpu + "/cpu.cfs_quota_us") == "-1");
  CHECK(read_trimmed(pids + "/pids.max") == "max");
  CHECK(read_number(mem + "/memory.limit_in_bytes").value() > (std::int64_t{1} << 40));

  REQUIRE(group.kill_all());
  CHECK(dies_of_sigkill(hog, 5000ms));
  CHECK(destroy_when_empty(group));
  manager->remove_parent_if_empty();
}
