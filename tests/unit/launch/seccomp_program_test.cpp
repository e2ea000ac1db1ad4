// Compiled programs loaded for real: a forked child sets no_new_privs (so no root is
// needed), loads the program, makes the calls and reports each errno through a pipe.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "launch/seccomp_json.hpp"
#include "launch/seccomp_program.hpp"

using namespace asup::launch;

namespace {

using Call = std::function<long()>;  // returns the call's result, -1 with errno on failure

// The errno of each call made under `program` (0: it succeeded). An empty program means
// no filter: the same calls unconfined, to show it is the filter that refuses.
std::vector<int> errnos_under(const std::string& program, const std::vector<Call>& calls) {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    if (!program.empty()) {
      sock_fprog prog{static_cast<unsigned short>(program.size() / sizeof(sock_filter)),
                      reinterpret_cast<sock_filter*>(const_cast<char*>(program.data()))};
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
          ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
        ::_exit(100);
    }
    for (const Call& call : calls) {
      errno = 0;
      int result = call() < 0 ? errno : 0;
      if (::write(fds[1], &result, sizeof result) != sizeof result) ::_exit(101);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  // Read to the end: the child writes one result per call as it goes.
  std::string bytes;
  char buf[256];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    REQUIRE(n > 0);
    bytes.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO("child status " << status);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(bytes.size() == calls.size() * sizeof(int));
  std::vector<int> out(calls.size());
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

long io_uring_setup_call() {
  io_uring_params params{};
  long fd = ::syscall(__NR_io_uring_setup, 4, &params);
  if (fd >= 0) ::close(static_cast<int>(fd));
  return fd;
}

// open, read, write, close: what every workload does.
long file_io_call() {
  int fd = ::openat(AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[64];
  long n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (n <= 0 || null < 0) return -1;
  n = ::write(null, buf, static_cast<std::size_t>(n));
  ::close(null);
  return n;
}

long fork_call() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  if (pid < 0) return -1;
  return ::waitpid(pid, nullptr, 0);
}

// clone() with a namespace flag; a child the filter let through leaves at once.
long clone_newuser_call() {
  long pid = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) ::_exit(0);
  if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  return pid;
}

}  // namespace

TEST_CASE("seccomp program: a JSON profile denying mkdir makes it fail with EPERM",
          "[launch][seccomp]") {
  char dir_template[] = "/tmp/asup-seccomp-XXXXXX";
  REQUIRE(::mkdtemp(dir_template));
  const std::string dir = dir_template;
  auto profile = parse_seccomp_profile(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["no_such_call"], "action": "SCMP_ACT_ERRNO"}]})",
                                       docker_default_capabilities());
  REQUIRE(profile);
  auto program = compile_seccomp(profile.value());
  REQUIRE(program);
  const std::vector<Call> calls = {
      [&] { return ::mkdir((dir + "/a").c_str(), 0755); },
      [&] { return ::rmdir(dir.c_str()); },
      [] { return static_cast<long>(::getpid()); },
      file_io_call,
  };
  CHECK(errnos_under(program.value(), calls) == std::vector<int>{EPERM, EACCES, 0, 0});
  // The directory was never made; without the filter the same calls work.
  struct stat st;
  CHECK(::stat((dir + "/a").c_str(), &st) != 0);
  CHECK(errnos_under("", calls) == std::vector<int>{0, ENOTEMPTY, 0, 0});
  CHECK(::rmdir((dir + "/a").c_str()) == 0);
  CHECK(::rmdir(dir.c_str()) == 0);
}

TEST_CASE("seccomp program: an allow-all profile compiles and refuses nothing",
          "[launch][seccomp]") {
  auto profile = parse_seccomp_profile(R"({"defaultAction": "SCMP_ACT_ALLOW"})", 0);
  REQUIRE(profile);
  auto program = compile_seccomp(profile.value());
  REQUIRE(program);
  CHECK(errnos_under(program.value(), {file_io_call, fork_call}) == std::vector<int>{0, 0});
}

TEST_CASE("seccomp program: the default program refuses io_uring and namespaces, not work",
          "[launch][seccomp]") {
  const auto& program = default_seccomp_program();
  REQUIRE(program);
  const std::vector<Call> refused = {
      io_uring_setup_call,
      [] { return static_cast<long>(::unshare(CLONE_NEWUSER)); },
      clone_newuser_call,
      [] { return ::syscall(SYS_kexec_load, 0, 0, nullptr, 0); },
      [] { return static_cast<long>(::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0)); },
      [] { return static_cast<long>(::personality(ADDR_NO_RANDOMIZE)); },
      [] { return ::syscall(SYS_clone3, nullptr, 0); },
  };
  CHECK(errnos_under(program.value(), refused) ==
        std::vector<int>{EPERM, EPERM, EPERM, EPERM, EPERM, EPERM, ENOSYS});
  // Unconfined, none of these is refused with EPERM for the filter's reasons: io_uring
  // and a user namespace work, clone3 without arguments is EFAULT/EINVAL.
  const auto unconfined = errnos_under("", {io_uring_setup_call, refused[1], refused[6]});
  CHECK(unconfined[0] != EPERM);
  CHECK(unconfined[1] == 0);
  CHECK(unconfined[2] != ENOSYS);

  const std::vector<Call> allowed = {
      file_io_call,
      fork_call,
      [] { return static_cast<long>(::getpid()); },
      [] { return static_cast<long>(::personality(0xffffffff)); },
      [] {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0) ::close(fd);
        return static_cast<long>(fd);
      },
  };
  CHECK(errnos_under(program.value(), allowed) == std::vector<int>{0, 0, 0, 0, 0});
}

TEST_CASE("seccomp program: Docker-style profiles compile", "[launch][seccomp]") {
  // archMap with x32, every action, and two conditions on one argument (compiled as
  // alternatives, as runc does).
  auto profile = parse_seccomp_profile(R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [
      {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
      {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
    "syscalls": [
      {"names": ["read", "write", "exit_group", "no_such_call"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS"},
      {"names": ["tkill"], "action": "SCMP_ACT_KILL_THREAD"},
      {"names": ["uname"], "action": "SCMP_ACT_LOG"},
      {"names": ["ptrace"], "action": "SCMP_ACT_TRAP"},
      {"names": ["getpid"], "action": "SCMP_ACT_TRACE", "errnoRet": 7},
      {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
                {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]})",
                                       docker_default_capabilities());
  REQUIRE(profile);
  auto program = compile_seccomp(profile.value());
  INFO((program ? "" : program.error().describe()));
  REQUIRE(program);
  CHECK(program.value().size() % sizeof(sock_filter) == 0);

  SeccompProfile unknown_arch{SeccompAction::allow(), {"SCMP_ARCH_Z80"}, {}};
  auto refused = compile_seccomp(unknown_arch);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "seccomp: unknown architecture SCMP_ARCH_Z80");
}
