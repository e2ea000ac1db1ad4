// The cgroup namespace on cgroup v1, as root: the spawner cannot clone into a v1 group, so
// the test (like asupd) moves init into a group after clone3 and before the barrier.
#include <catch2/catch.hpp>

#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "container_fixture.hpp"
#include "core/fs.hpp"
#include "skip.hpp"

using namespace asup;
using namespace asup::launch;
using namespace asup::launch::testing;

namespace {

constexpr const char* kPidsHierarchy = "/sys/fs/cgroup/pids";

bool have_v1_pids() {
  return fs::exists(std::string{kPidsHierarchy} + "/cgroup.procs") &&
         fs::exists(std::string{kPidsHierarchy} + "/cgroup.clone_children");  // v1 only
}

// A group of our own in the v1 pids hierarchy, removed once its processes are gone.
class PidsGroup {
 public:
  PidsGroup() : dir_(std::string{kPidsHierarchy} + "/asup-unit-" + std::to_string(::getpid())) {
    REQUIRE(fs::make_dirs(dir_));
  }
  ~PidsGroup() {
    for (int i = 0; i < 100 && ::rmdir(dir_.c_str()) != 0 && errno == EBUSY; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string& dir() const { return dir_; }
  std::string procs() const { return dir_ + "/cgroup.procs"; }
  void add(pid_t pid) const { REQUIRE(fs::write_file(procs(), std::to_string(pid))); }

 private:
  std::string dir_;
};

// The path of the pids line in a /proc/PID/cgroup dump ("8:pids:/x" -> "/x").
std::string pids_path(const std::string& cgroup_file) {
  for (const auto& l : lines(cgroup_file)) {
    auto first = l.find(':');
    auto second = l.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    if (l.substr(first + 1, second - first - 1) == "pids") return l.substr(second + 1);
  }
  return "<no pids line>";
}

RunResult exec_in(int ns_pidfd, std::vector<std::string> argv, const PidsGroup& group) {
  LaunchSpec spec;
  spec.mode = Mode::Exec;
  spec.argv = std::move(argv);
  spec.env = {"PATH=/bin"};
  spec.cgroup_procs = {group.procs()};  // as asupd does on v1
  SpawnOptions options;
  options.namespaces = 0;
  options.ns_pidfd = ns_pidfd;
  options.state_dir_fd = -1;
  Container e{nullptr, spec, options};
  RunResult r;
  r.started = e.start();
  r.exit_code = e.wait();
  r.out = e.out();
  r.err = e.err();
  return r;
}

}  // namespace

TEST_CASE("v1: a late cgroup namespace is rooted at the container's group",
          "[launch][root][cgroup]") {
  ASUP_REQUIRE_ROOT();
  if (!have_v1_pids()) {
    ASUP_SKIP("no cgroup v1 pids hierarchy");
  }
  TempRoot root;
  PidsGroup group;

  LaunchSpec spec = root.spec({"cat", "/proc/self/cgroup"});
  spec.late_cgroup_namespace = true;
  {
    Container c{&root, spec};  // no CLONE_NEWCGROUP in clone3
    group.add(c.pid());
    REQUIRE(c.start() == "started 2");
    REQUIRE(c.wait() == 0);
    INFO(c.out());
    CHECK(pids_path(c.out()) == "/");
    CHECK(c.out().find("..") == std::string::npos);
    CHECK(c.out().find("asup-unit") == std::string::npos);
  }

  // exec joins the same namespace: its own groups and init's read "/" too.
  spec.argv = {"sleep", "60"};
  Container box{&root, spec};
  group.add(box.pid());
  REQUIRE(box.start() == "started 2");
  auto own = exec_in(box.pidfd(), {"cat", "/proc/self/cgroup"}, group);
  auto init = exec_in(box.pidfd(), {"cat", "/proc/1/cgroup"}, group);
  INFO(own.out << own.err);
  CHECK(own.exit_code == 0);
  CHECK(pids_path(own.out) == "/");
  CHECK(own.out.find("..") == std::string::npos);
  CHECK(own.out == init.out);
  box.signal(SIGKILL);
  box.wait();
}

TEST_CASE("v1: a cgroup namespace made by clone3 is rooted where init started",
          "[launch][root][cgroup]") {
  ASUP_REQUIRE_ROOT();
  if (!have_v1_pids()) {
    ASUP_SKIP("no cgroup v1 pids hierarchy");
  }
  // What late_cgroup_namespace is for: moved after clone3, init's namespace still has the
  // creator's group as its root, and the container sees the host's group names.
  TempRoot root;
  PidsGroup group;
  SpawnOptions options;
  options.namespaces = kContainerNamespaces | CLONE_NEWCGROUP;
  Container c{&root, root.spec({"cat", "/proc/self/cgroup"}), options};
  group.add(c.pid());
  REQUIRE(c.start() == "started 2");
  REQUIRE(c.wait() == 0);
  INFO(c.out());
  CHECK(pids_path(c.out()) != "/");
  CHECK(pids_path(c.out()).find("asup-unit-") != std::string::npos);
}
