// Exec mode, as root: asup-init joins a running container's namespaces through its pidfd.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "container_fixture.hpp"
#include "core/fs.hpp"
#include "core/syscalls.hpp"

using namespace asup;
using namespace asup::launch;
using namespace asup::launch::testing;

namespace {

LaunchSpec exec_spec(std::vector<std::string> argv) {
  LaunchSpec spec;
  spec.mode = Mode::Exec;
  spec.argv = std::move(argv);
  spec.env = {"PATH=/bin"};
  return spec;
}

SpawnOptions exec_options(int ns_pidfd) {
  SpawnOptions o;
  o.namespaces = 0;
  o.ns_pidfd = ns_pidfd;
  o.state_dir_fd = -1;
  return o;
}

struct ExecResult {
  std::string started;
  int exit_code;
  std::string out;
};

ExecResult exec_in(int ns_pidfd, const LaunchSpec& spec) {
  Container e{nullptr, spec, exec_options(ns_pidfd)};
  ExecResult r;
  r.started = e.start();
  r.exit_code = e.wait();
  r.out = e.out();
  return r;
}

// A host path that must never appear: a command that ran on the host would create it.
std::string host_marker(const TempRoot& root) {
  return root.path("ran-on-host");
}

}  // namespace

TEST_CASE("exec runs inside a running container's namespaces", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  {
    Container box{&root, root.spec({"sleep", "60"})};
    REQUIRE(box.start() == "started 2");

    auto cat = exec_in(box.pidfd(), exec_spec({"cat", "/etc/hostname"}));
    CHECK(cat.started.rfind("started ", 0) == 0);
    CHECK(cat.out == "box1\n");
    CHECK(cat.exit_code == 0);

    CHECK(exec_in(box.pidfd(), exec_spec({"hostname"})).out == "box1\n");

    // The pid it reports is the command's pid inside the container.
    auto pids = exec_in(box.pidfd(), exec_spec({"sh", "-c", "echo $$; ls /proc"}));
    auto out = lines(pids.out);
    REQUIRE_FALSE(out.empty());
    CHECK(pids.started == "started " + out[0]);
    // init, sleep and this sh (which execs its last command, ls): the host's processes are
    // invisible.
    std::set<std::string> numeric;
    for (std::size_t i = 1; i < out.size(); ++i) {
      if (!out[i].empty() && std::all_of(out[i].begin(), out[i].end(), ::isdigit))
        numeric.insert(out[i]);
    }
    CHECK(numeric == std::set<std::string>{"1", "2", out[0]});

    CHECK(exec_in(box.pidfd(), exec_spec({"sh", "-c", "exit 5"})).exit_code == 5);

    LaunchSpec as_app = exec_spec({"id", "-u"});
    as_app.user = "app";
    CHECK(exec_in(box.pidfd(), as_app).out == "1000\n");

    auto missing = exec_in(box.pidfd(), exec_spec({"nosuchcmd"}));
    CHECK(missing.started == "error 127 exec: \"nosuchcmd\": executable file not found in $PATH");
    CHECK(missing.exit_code == 127);

    LaunchSpec bad_cwd = exec_spec({"pwd"});
    bad_cwd.workdir = "/does/not/exist";
    auto cwd = exec_in(box.pidfd(), bad_cwd);
    CHECK(cwd.started == "error 126 chdir to cwd (\"/does/not/exist\"): no such file or directory");
    CHECK(cwd.exit_code == 126);

    box.signal(SIGKILL);
    CHECK(box.wait() == 137);
  }
  CHECK(mounts_under(root.dir()).empty());
}

TEST_CASE("exec with a bad pidfd fails with 125 and runs nothing", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  LaunchSpec spec = exec_spec({"/bin/touch", host_marker(root)});
  spec.env = {"PATH=/usr/bin:/bin"};

  SECTION("no pidfd at all") {
    auto r = exec_in(-1, spec);
    CHECK(r.started == "error 125 enter container namespaces (setns pidfd): Bad file descriptor");
    CHECK(r.exit_code == 125);
  }
  SECTION("not a pidfd") {
    UniqueFd null{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
    auto r = exec_in(null.get(), spec);
    CHECK(r.started.rfind("error 125 enter container namespaces", 0) == 0);
    CHECK(r.exit_code == 125);
  }
  SECTION("the pidfd of a process that is gone") {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) ::_exit(0);
    auto pidfd = sys::pidfd_open(child);
    REQUIRE(pidfd);
    int status;
    REQUIRE(::waitpid(child, &status, 0) == child);
    auto r = exec_in(pidfd.value().get(), spec);
    CHECK(r.started.rfind("error 125 enter container namespaces", 0) == 0);
    CHECK(r.exit_code == 125);
  }
  SECTION("a cgroup that cannot be joined") {
    Container box{&root, root.spec({"sleep", "60"})};
    REQUIRE(box.start() == "started 2");
    LaunchSpec with_cgroup = spec;
    with_cgroup.cgroup_procs = {root.path("no-such-cgroup/cgroup.procs")};
    auto r = exec_in(box.pidfd(), with_cgroup);
    CHECK(r.started.rfind("error 125 join cgroup: open ", 0) == 0);
    CHECK(r.exit_code == 125);
    box.signal(SIGKILL);
    box.wait();
  }
  CHECK_FALSE(fs::exists(host_marker(root)));
  CHECK(mounts_under(root.dir()).empty());
}

TEST_CASE("exec forwards signals and ends with the container", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  {
    Container box{&root, root.spec({"sleep", "60"})};
    REQUIRE(box.start() == "started 2");

    const char* script = "trap 'exit 9' TERM; echo armed; while true; do sleep 0.1; done";
    Container trapped{nullptr, exec_spec({"sh", "-c", script}), exec_options(box.pidfd())};
    REQUIRE(trapped.start().rfind("started ", 0) == 0);
    trapped.wait_for_output("armed\n");
    trapped.signal(SIGTERM);
    CHECK(trapped.wait() == 9);

    // Killing the container's init tears down its pid namespace, exec'd commands included.
    Container sleeper{nullptr, exec_spec({"sleep", "60"}), exec_options(box.pidfd())};
    REQUIRE(sleeper.start().rfind("started ", 0) == 0);
    box.signal(SIGKILL);
    CHECK(box.wait() == 137);
    CHECK(sleeper.wait() == 137);
  }
  CHECK(mounts_under(root.dir()).empty());
}
