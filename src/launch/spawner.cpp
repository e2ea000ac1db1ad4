#include "launch/spawner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "core/syscalls.hpp"

namespace asup::launch {
namespace {

Status write_all(int fd, std::string_view data, const char* what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno(std::string{"write "} + what);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return ok();
}

// The encoded spec in a sealed memfd: asup-init reads it at fds::kSpec, and the seals mean
// nothing else holding the memfd can change the spec under it.
Result<UniqueFd> spec_memfd(const LaunchSpec& spec) {
  UniqueFd fd{::memfd_create("asup-launch-spec", MFD_CLOEXEC | MFD_ALLOW_SEALING)};
  if (!fd) return fail_errno("memfd_create launch spec");
  ASUP_TRY(write_all(fd.get(), encode(spec), "launch spec memfd"));
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
    return fail_errno("seal launch spec memfd");
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return fail_errno("rewind launch spec memfd");
  return fd;
}

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> make_pipe(const char* what) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno(std::string{"pipe2 "} + what);
  return Pipe{UniqueFd{p[0]}, UniqueFd{p[1]}};
}

// What the child needs, laid out before clone3 so the child touches no allocator.
struct ChildPlan {
  const char* init_path;
  int source[fds::kFirstFree];  // source[t] becomes descriptor t in the child; -1: closed
  int report_source;            // where to complain before the descriptors are in place
};

// Appends a C string into a fixed buffer: the child may not call snprintf or malloc.
void append(char* buf, std::size_t cap, std::size_t& len, const char* s) {
  while (*s && len + 1 < cap) buf[len++] = *s++;
}

[[noreturn]] void child_fail(int fd, const char* what, int err) {
  char buf[256];
  std::size_t len = 0;
  append(buf, sizeof buf, len, "error 125 ");
  append(buf, sizeof buf, len, what);
  append(buf, sizeof buf, len, ": ");
  // strerrordesc_np reads a static table: unlike strerror it touches no locale state.
  const char* text = ::strerrordesc_np(err);
  append(buf, sizeof buf, len, text ? text : "unknown error");
  append(buf, sizeof buf, len, "\n");
  if (fd >= 0) {
    ssize_t ignored = ::write(fd, buf, len);
    (void)ignored;
  }
  ::_exit(125);
}

// Runs in the clone3 child of a multi-threaded process: async-signal-safe calls only.
[[noreturn]] void child_main(const ChildPlan& plan) {
  // Handlers copied from asupd must not run here, and the mask asupd keeps for its
  // signalfd survives execve: reset both (all signals are still blocked at this point).
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
  }
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Out of asupd's session and process group: a Ctrl-C on asupd's terminal must not reach
  // the containers, and a workload's kill(0, sig) must not reach asupd.
  ::setsid();

  // A source may already sit on another slot's number (asupd's stdout pipe could be fd 4):
  // first lift every source above the target range, then place them.
  int lifted[fds::kFirstFree];
  for (int t = 0; t < fds::kFirstFree; ++t) {
    lifted[t] = -1;
    if (plan.source[t] < 0) continue;
    lifted[t] = ::fcntl(plan.source[t], F_DUPFD_CLOEXEC, fds::kFirstFree);
    if (lifted[t] < 0) child_fail(plan.report_source, "dup launch descriptor", errno);
  }
  // The lifted copy stays valid while low numbers are being overwritten.
  const int report = lifted[fds::kReport];
  for (int t = 0; t < fds::kFirstFree; ++t) {
    if (lifted[t] < 0) {
      ::close(t);
      continue;
    }
    // dup3 without O_CLOEXEC: these are the descriptors asup-init inherits.
    if (::dup3(lifted[t], t, 0) < 0) child_fail(report, "dup launch descriptor", errno);
  }
  sys::close_from(fds::kFirstFree);

  char arg0[] = "asup-init";
  char* argv[] = {arg0, nullptr};
  char* envp[] = {nullptr};
  ::execve(plan.init_path, argv, envp);
  child_fail(fds::kReport, "exec asup-init", errno);
}

}  // namespace

Result<Spawned> spawn(const SpawnRequest& request) {
  if (request.init_path.empty() || request.init_path.front() != '/')
    return fail(EINVAL, "spawn: init path \"" + request.init_path + "\" is not absolute");
  const bool container = request.spec.mode == Mode::Container;
  // Both would make a cgroup namespace; the one clone3 makes would be rooted wherever the
  // child starts, which is what late_cgroup_namespace exists to avoid.
  if (request.spec.late_cgroup_namespace && (request.namespaces & CLONE_NEWCGROUP) != 0)
    return fail(EINVAL, "spawn: late_cgroup_namespace set and CLONE_NEWCGROUP requested");

  ASUP_TRY(auto spec_fd, spec_memfd(request.spec));
  ASUP_TRY(auto report, make_pipe("report"));
  Pipe barrier;
  if (container) {
    ASUP_TRY(barrier, make_pipe("barrier"));
  }
  // The daemon reads reports from its event loop.
  if (::fcntl(report.read.get(), F_SETFL, O_NONBLOCK) != 0)
    return fail_errno("set report pipe non-blocking");
  UniqueFd dev_null;
  if (request.stdin_fd < 0 || request.stdout_fd < 0 || request.stderr_fd < 0) {
    dev_null.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!dev_null) return fail_errno("open /dev/null");
  }

  ChildPlan plan;
  plan.init_path = request.init_path.c_str();
  for (int& s : plan.source) s = -1;
  plan.source[fds::kStdin] = request.stdin_fd >= 0 ? request.stdin_fd : dev_null.get();
  plan.source[fds::kStdout] = request.stdout_fd >= 0 ? request.stdout_fd : dev_null.get();
  plan.source[fds::kStderr] = request.stderr_fd >= 0 ? request.stderr_fd : dev_null.get();
  plan.source[fds::kSpec] = spec_fd.get();
  plan.source[fds::kReport] = report.write.get();
  plan.source[fds::kBarrier] = barrier.read.get();
  plan.source[fds::kStateDir] = request.state_dir_fd;
  plan.source[fds::kStdoutHold] = request.stdout_hold_fd;
  plan.source[fds::kStderrHold] = request.stderr_hold_fd;
  plan.source[fds::kNsPidfd] = request.ns_pidfd;
  plan.report_source = report.write.get();

  int pidfd = -1;
  struct clone_args args;
  std::memset(&args, 0, sizeof args);
  args.flags = CLONE_PIDFD | request.namespaces;
  args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  if (request.cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<std::uint64_t>(request.cgroup_fd);
  }

  // Block everything in this thread across clone3 so no signal reaches the child while it
  // still runs with asupd's handlers; the child resets them before unblocking.
  sigset_t all, saved;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &saved);
  pid_t pid = sys::clone3_raw(&args);
  if (pid == 0) child_main(plan);
  int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  if (pid < 0) return fail(clone_errno, "clone3 " + request.init_path);

  Spawned out;
  out.pid = pid;
  out.pidfd.reset(pidfd);
  out.report = std::move(report.read);
  out.barrier = std::move(barrier.write);
  // The child's ends (spec memfd, report write end, barrier read end) close here with
  // their UniqueFds, so EOF on the report pipe means asup-init is gone.
  return out;
}

}  // namespace asup::launch
