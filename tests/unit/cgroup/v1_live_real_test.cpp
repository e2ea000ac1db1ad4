// Pause on this host's v1 hierarchies, with real processes: a frozen process makes no
// progress, a thawed one does, one killed while frozen dies.
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

// The directory the kernel resolves a hierarchy's name to ("cpu" may be a symlink).
std::string hierarchy(const char* name) {
  std::string dir = fs::join(kRoot, name);
  char real[4096];
  return ::realpath(dir.c_str(), real) ? std::string(real) : dir;
}

// Registers PARENT and PARENT/ID in each hierarchy asup uses for removal, whatever happens.
void guard_dirs(DirCleanup& cleanup, const std::string& parent, const std::string& id) {
  for (const char* h : {"memory", "cpu", "pids", "devices", "freezer"}) {
    cleanup.add(fs::join(hierarchy(h), parent));
    cleanup.add(fs::join(fs::join(hierarchy(h), parent), id));
  }
}

// Thaws the group at scope exit: a child still frozen would survive its guard's SIGKILL
// and hang the wait for it. Declared after the children, so it runs before their guards.
class ThawAtExit {
 public:
  explicit ThawAtExit(Group& group) : group_(group) {}
  ~ThawAtExit() { (void)group_.thaw(); }
  ThawAtExit(const ThawAtExit&) = delete;
  ThawAtExit& operator=(const ThawAtExit&) = delete;

 private:
  Group& group_;
};

void destroy_when_empty(Group& group) {
  // The last process just left; the kernel may hold the group busy for a moment.
  Status destroyed = group.destroy();
  for (int i = 0; i < 100 && !destroyed && destroyed.error().code == EBUSY; ++i) {
    ::usleep(10000);
    destroyed = group.destroy();
  }
  CHECK(destroyed);
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
  guard_dirs(cleanup, parent, "f1");
  auto manager = make_v1(kRoot, parent);
  auto created = manager->create("f1", {});
  REQUIRE(created);
  auto& group = *created.value();
  const std::string freezer_dir = fs::join(hierarchy("freezer"), parent + "/f1");
  REQUIRE(fs::is_directory(freezer_dir));

  SharedCounter counter;
  REQUIRE(counter.valid());
  int gate = -1;
  Child child{fork_gated(gate, [&] { counter.count_forever(); })};
  REQUIRE(child.pid() > 0);
  ThawAtExit thaw_at_exit{group};
  REQUIRE(group.add_process(child.pid()));
  CHECK(listed(freezer_dir + "/cgroup.procs") == std::vector<pid_t>{child.pid()});
  release(gate);
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
  auto status = child.wait_for(5000ms);
  REQUIRE(status);
  CHECK((WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL));
  CHECK(group.freezer_state().value() == FreezerState::Thawed);

  destroy_when_empty(group);
  CHECK_FALSE(fs::exists(freezer_dir));
  manager->remove_parent_if_empty();
  CHECK_FALSE(fs::exists(fs::join(hierarchy("freezer"), parent)));
}

TEST_CASE("v1 real: a group that keeps forking freezes too", "[cgroup][freezer][root]") {
  if (!v1_available()) {
    ASUP_SKIP("needs root and v1 memory, cpu, pids and freezer hierarchies");
  }
  std::string parent = unique_name("asup-test");
  DirCleanup cleanup;
  guard_dirs(cleanup, parent, "f2");
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
  auto status = child.wait_for(5000ms);
  REQUIRE(status);
  CHECK((WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL));
  CHECK(eventually([&] { return listed(procs).empty(); }, 5000ms));
  destroy_when_empty(group);
  manager->remove_parent_if_empty();
}
