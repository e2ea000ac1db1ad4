#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch/spawner.hpp"

using namespace asup::launch;

namespace {

std::string read_report(int fd) {
  std::string text;
  for (;;) {
    struct pollfd p {
      fd, POLLIN, 0
    };
    REQUIRE(::poll(&p, 1, 10000) == 1);
    char buf[256];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EAGAIN) continue;
    REQUIRE(n >= 0);
    if (n == 0) return text;
    text.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

TEST_CASE("spawn refuses a relative init path", "[launch][spawner]") {
  SpawnRequest req;
  req.init_path = "asup-init";
  auto r = spawn(req);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("not absolute") != std::string::npos);
}

TEST_CASE("spawn reports a failed exec of asup-init on the report pipe", "[launch][spawner]") {
  SpawnRequest req;
  req.init_path = "/nonexistent/asup-init";
  req.spec.argv = {"true"};
  auto r = spawn(req);
  REQUIRE(r);
  Spawned s = std::move(r).value();
  CHECK(s.pid > 0);
  CHECK(::fcntl(s.report.get(), F_GETFD) == FD_CLOEXEC);
  CHECK((::fcntl(s.report.get(), F_GETFL) & O_NONBLOCK) != 0);
  CHECK(::fcntl(s.pidfd.get(), F_GETFD) == FD_CLOEXEC);
  REQUIRE(s.barrier.valid());
  CHECK(::fcntl(s.barrier.get(), F_GETFD) == FD_CLOEXEC);

  CHECK(read_report(s.report.get()) == "error 125 exec asup-init: No such file or directory\n");
  siginfo_t info{};
  REQUIRE(::waitid(P_PIDFD, static_cast<id_t>(s.pidfd.get()), &info, WEXITED) == 0);
  CHECK(info.si_pid == s.pid);
  CHECK(info.si_code == CLD_EXITED);
  CHECK(info.si_status == 125);
}

TEST_CASE("exec mode has no start barrier", "[launch][spawner]") {
  SpawnRequest req;
  req.init_path = "/nonexistent/asup-init";
  req.spec.mode = Mode::Exec;
  auto r = spawn(req);
  REQUIRE(r);
  CHECK_FALSE(r.value().barrier.valid());
  siginfo_t info{};
  REQUIRE(::waitid(P_PIDFD, static_cast<id_t>(r.value().pidfd.get()), &info, WEXITED) == 0);
}

TEST_CASE("spawn refuses two ways to make the cgroup namespace", "[launch][spawner]") {
  SpawnRequest req;
  req.init_path = "/nonexistent/asup-init";
  req.spec.late_cgroup_namespace = true;
  req.namespaces = CLONE_NEWNS | CLONE_NEWCGROUP;
  auto r = spawn(req);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == EINVAL);
  CHECK(r.error().message.find("late_cgroup_namespace") != std::string::npos);
}
