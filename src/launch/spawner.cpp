#include "launch/spawner.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/syscalls.hpp"
#include "launch/seccomp_program.hpp"

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
Result<UniqueFd> spec_memfd(const LaunchSpec& spec, std::string_view seccomp_program) {
  UniqueFd fd{::memfd_create("asup-launch-spec", MFD_CLOEXEC | MFD_ALLOW_SEALING)};
  if (!fd) return fail_errno("memfd_create launch spec");
  ASUP_TRY(write_all(fd.get(), encode(spec, seccomp_program), "launch spec memfd"));
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

// Both ends go to asup-init: it reads on one and holds the other for whichever asupd
// re-adopts the container next (pidfd_getfd). Message boundaries keep each request whole.
struct ControlSocket {
  UniqueFd init_end, peer;
};

Result<ControlSocket> make_control_socket() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return fail_errno("socketpair control");
  return ControlSocket{UniqueFd{sv[0]}, UniqueFd{sv[1]}};
}

// The soft RLIMIT_NOFILE asupd started with, restored in every child; 0: unchanged.
rlim_t inherited_nofile_soft = 0;

// What the child needs, laid out before clone3 so the child touches no allocator.
struct ChildPlan {
  const char* init_path;
  int source[fds::kFirstFree];  // source[t] becomes descriptor t in the child; -1: closed
  int report_source;            // where to complain before the descriptors are in place
  int netns;                    // >= 0: the network namespace to join
  int ipcns;                    // >= 0: the IPC namespace to join
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

// Runs in the clone3 child of a multi-threaded process, in its memory while the calling
// thread waits (CLONE_VM | CLONE_VFORK): async-signal-safe calls only, no allocation, and
// nothing written but its own stack (and errno, which the waiting thread does not read).
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
  if (inherited_nofile_soft != 0) {
    struct rlimit limit;
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      limit.rlim_cur = inherited_nofile_soft;
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
  }
  // Another container's network namespace, entered before any descriptor moves.
  if (plan.netns >= 0 && ::setns(plan.netns, CLONE_NEWNET) != 0)
    child_fail(plan.report_source, "join network namespace", errno);
  if (plan.ipcns >= 0 && ::setns(plan.ipcns, CLONE_NEWIPC) != 0)
    child_fail(plan.report_source, "join IPC namespace", errno);
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

#if defined(__x86_64__)
// clone3 with the child on its own stack, calling fn(arg) there. glibc exports no clone3
// wrapper, and a raw syscall cannot return into C++ on a different stack, so the child
// side is a few instructions that call fn and exit if it ever returns.
pid_t clone3_on_stack(struct clone_args* args, [[noreturn]] void (*fn)(const void*),
                      const void* arg) {
  long ret;
  register long fn_reg asm("r8") = reinterpret_cast<long>(fn);
  register long arg_reg asm("r9") = reinterpret_cast<long>(arg);
  asm volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "xor %%ebp, %%ebp\n\t"
      "mov %%r9, %%rdi\n\t"
      "call *%%r8\n\t"
      "mov $60, %%eax\n\t"  // SYS_exit, should fn ever return
      "xor %%edi, %%edi\n\t"
      "syscall\n\t"
      "1:\n\t"
      : "=a"(ret)
      : "0"(SYS_clone3), "D"(args), "S"(sizeof(struct clone_args)), "r"(fn_reg), "r"(arg_reg)
      : "rcx", "r11", "memory");
  if (ret < 0) {
    errno = static_cast<int>(-ret);
    return -1;
  }
  return static_cast<pid_t>(ret);
}

[[noreturn]] void child_entry(const void* plan) {
  child_main(*static_cast<const ChildPlan*>(plan));
}

// The child's stack while it shares asupd's memory; reused, as CLONE_VFORK keeps this
// thread from spawning again before the child has exec'd or exited.
char* child_stack(std::size_t size) {
  thread_local std::unique_ptr<char[]> stack;
  if (!stack) stack.reset(new char[size]);
  return stack.get();
}
#endif

// CLONE_VM | CLONE_VFORK where the child can run on a stack of its own: a copy-on-write
// fork of asupd would copy its page tables in clone3 and then fault on every page either
// side writes until asup-init is exec'd, several milliseconds on a machine with costly
// page faults. The parent sleeps only until the child's execve has replaced its memory.
pid_t clone_child(struct clone_args& args, const ChildPlan& plan) {
#if defined(__x86_64__)
  constexpr std::size_t kStack = 64 * 1024;
  args.flags |= CLONE_VM | CLONE_VFORK;
  args.stack = reinterpret_cast<std::uint64_t>(child_stack(kStack));
  args.stack_size = kStack;
  return clone3_on_stack(&args, child_entry, &plan);
#else
  pid_t pid = sys::clone3_raw(&args);
  if (pid == 0) child_main(plan);
  return pid;
#endif
}

// Our ends of what asup-init gets at its fixed descriptors (-1: none).
struct ChildEnds {
  int spec, report, barrier, dev_null;
  int control_init, control_peer;  // only when asup-init keeps the output
};

// Which of our descriptors becomes each of asup-init's fixed fds (launch_spec.hpp).
ChildPlan child_plan(const SpawnRequest& request, const ChildEnds& ends) {
  ChildPlan plan;
  plan.init_path = request.init_path.c_str();
  for (int& s : plan.source) s = -1;
  plan.source[fds::kStdin] = request.stdin_fd >= 0 ? request.stdin_fd : ends.dev_null;
  plan.source[fds::kStdout] = request.stdout_fd >= 0 ? request.stdout_fd : ends.dev_null;
  plan.source[fds::kStderr] = request.stderr_fd >= 0 ? request.stderr_fd : ends.dev_null;
  plan.source[fds::kSpec] = ends.spec;
  plan.source[fds::kReport] = ends.report;
  plan.source[fds::kBarrier] = ends.barrier;
  plan.source[fds::kStateDir] = request.state_dir_fd;
  plan.source[fds::kStdoutHold] = request.stdout_hold_fd;
  plan.source[fds::kStderrHold] = request.stderr_hold_fd;
  plan.source[fds::kNsPidfd] = request.ns_pidfd;
  if (ends.control_init >= 0) {
    plan.source[fds::kDaemonPidfd] = request.daemon_pidfd;
    plan.source[fds::kControl] = ends.control_init;
    plan.source[fds::kControlPeer] = ends.control_peer;
  }
  plan.report_source = ends.report;
  plan.netns = request.netns_fd;
  plan.ipcns = request.ipcns_fd;
  return plan;
}

// setns(CLONE_NEWPID) changes only the namespace this thread's next children are born in
// (pid_for_children); undone when the clone is over, the thread's own namespace being the
// one it came from.
class PidNamespaceForChildren {
 public:
  static Result<PidNamespaceForChildren> enter(int pidfd) {
    PidNamespaceForChildren scope;
    if (pidfd < 0) return scope;
    scope.own_.reset(::open("/proc/thread-self/ns/pid", O_RDONLY | O_CLOEXEC));
    if (!scope.own_) return fail_errno("open /proc/thread-self/ns/pid");
    if (::setns(pidfd, CLONE_NEWPID) != 0) return fail_errno("join PID namespace");
    return scope;
  }
  PidNamespaceForChildren(PidNamespaceForChildren&&) = default;
  ~PidNamespaceForChildren() {
    if (own_ && ::setns(own_.get(), CLONE_NEWPID) != 0) std::abort();  // would leak into asupd
  }

 private:
  PidNamespaceForChildren() = default;
  UniqueFd own_;
};

// clone3 into the requested namespaces (and cgroup, on v2), returning the pid and pidfd.
Result<std::pair<pid_t, UniqueFd>> clone_init(const SpawnRequest& request, const ChildPlan& plan) {
  ASUP_TRY(auto pid_namespace, PidNamespaceForChildren::enter(request.pidns_fd));
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
  pid_t pid = clone_child(args, plan);
  int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  if (pid < 0) return fail(clone_errno, "clone3 " + request.init_path);
  return std::pair{pid, UniqueFd{pidfd}};
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

  std::string_view program = request.spec.seccomp_program;
  if (request.spec.seccomp && program.empty()) {
    // Per capability set: --cap-add SYS_ADMIN lets mount through, as Docker's profile does.
    const auto& compiled = default_seccomp_program(request.spec.capabilities);
    if (!compiled) return fail(compiled.error());
    program = compiled.value();
  }
  ASUP_TRY(auto spec_fd, spec_memfd(request.spec, program));
  ASUP_TRY(auto report, make_pipe("report"));
  Pipe barrier;
  ControlSocket control;
  // Exec mode waits on it only with a terminal, until asupd took the master.
  if (container || request.spec.tty) {
    ASUP_TRY(barrier, make_pipe("barrier"));
  }
  // With a terminal init holds the pty master itself, in place of the output pipes.
  const bool holds_output =
      request.spec.tty || (request.stdout_hold_fd >= 0 && request.stderr_hold_fd >= 0);
  const bool keeps_output = container && request.daemon_pidfd >= 0 && holds_output;
  if (keeps_output) {
    ASUP_TRY(control, make_control_socket());
  }
  // The daemon reads reports from its event loop.
  if (::fcntl(report.read.get(), F_SETFL, O_NONBLOCK) != 0)
    return fail_errno("set report pipe non-blocking");
  UniqueFd dev_null;
  if (request.stdin_fd < 0 || request.stdout_fd < 0 || request.stderr_fd < 0) {
    dev_null.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!dev_null) return fail_errno("open /dev/null");
  }

  ChildEnds ends{spec_fd.get(),
                 report.write.get(),
                 barrier.read.get(),
                 dev_null.get(),
                 keeps_output ? control.init_end.get() : -1,
                 keeps_output ? control.peer.get() : -1};
  ASUP_TRY(auto child, clone_init(request, child_plan(request, ends)));
  auto [pid, pidfd] = std::move(child);

  Spawned out;
  out.pid = pid;
  out.pidfd = std::move(pidfd);
  out.report = std::move(report.read);
  out.barrier = std::move(barrier.write);
  // The child's ends (spec memfd, report write end, barrier read end, control socket)
  // close here with their UniqueFds, so EOF on the report pipe means asup-init is gone.
  return out;
}

Result<UniqueFd> take_console(int init_pidfd) {
  return sys::pidfd_getfd(init_pidfd, fds::kConsoleMaster);
}

Status raise_open_file_limit() {
  struct rlimit limit;
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return fail_errno("getrlimit RLIMIT_NOFILE");
  if (limit.rlim_cur >= limit.rlim_max) return ok();
  const rlim_t inherited = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return fail_errno("setrlimit RLIMIT_NOFILE");
  inherited_nofile_soft = inherited;
  return ok();
}

}  // namespace asup::launch
