// asup-init: PID 1 of every container (container mode), or the short-lived parent of an
// `asupctl exec` command (exec mode). It reads its LaunchSpec from fds::kSpec, reports on
// fds::kReport, and in container mode waits on fds::kBarrier before starting the workload.
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/fs.hpp"
#include "init/console.hpp"
#include "init/exit_record.hpp"
#include "init/mounts.hpp"
#include "init/output_keeper.hpp"
#include "init/pivot.hpp"
#include "init/report.hpp"
#include "init/supervise.hpp"
#include "init/sysctls.hpp"
#include "init/user.hpp"
#include "init/workload.hpp"
#include "launch/launch_spec.hpp"

namespace asup::init {
namespace {

namespace fds = launch::fds;

// Large enough for any real spec; a bigger memfd is not one asupd wrote.
constexpr off_t kMaxSpecSize = 16 << 20;

// The inherited descriptors stay open (7 and 8 hold the log pipes across asupd restarts,
// 10 to 12 let init keep the output while asupd is away) but must not leak into the
// workload, which gets only 0, 1 and 2.
void protect_inherited_fds() {
  for (int fd = fds::kSpec; fd < fds::kFirstFree; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

Result<launch::LaunchSpec> read_spec() {
  struct stat st;
  if (::fstat(fds::kSpec, &st) != 0) return fail_errno("read launch spec: fstat fd 3");
  if (st.st_size <= 0 || st.st_size > kMaxSpecSize)
    return fail(EINVAL, "read launch spec: bad size " + std::to_string(st.st_size));
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n =
        ::pread(fds::kSpec, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read launch spec");
    if (n == 0) return fail(EIO, "read launch spec: short read");
    done += static_cast<std::size_t>(n);
  }
  ::close(fds::kSpec);
  return launch::decode(bytes);
}

// One byte releases the workload; EOF means asupd gave up on this container (it already
// knows why), so init leaves quietly.
void wait_for_barrier() {
  char go;
  for (;;) {
    ssize_t n = ::read(fds::kBarrier, &go, 1);
    if (n == 1) break;
    if (n < 0 && errno == EINTR) continue;
    ::_exit(125);
  }
  ::close(fds::kBarrier);
}

template <class T>
T value_or_die(Result<T> r) {
  if (!r) fail_setup(r.error());
  return std::move(r).value();
}

void ok_or_die(Status s) {
  if (!s) fail_setup(s.error());
}

[[noreturn]] void workload_failed(const WorkloadStart& start, bool record) {
  int status;
  while (::waitpid(start.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (record) (void)write_exit_record(fds::kStateDir, ExitStatus{start.failure_code, 0});
  fail_with(start.failure_code, start.failure);
}

[[noreturn]] void run_container(const launch::LaunchSpec& spec) {
  ok_or_die(make_mounts_private(spec.mounts));
  UniqueFd sysctl_dir = value_or_die(open_sysctl_dir(spec.sysctls));
  ok_or_die(execute_mounts(spec.mounts, spec.rootfs));
  if (!spec.hostname.empty() && ::sethostname(spec.hostname.data(), spec.hostname.size()) != 0)
    fail_setup(Error{errno, "sethostname " + spec.hostname});
  if (!spec.domainname.empty() &&
      ::setdomainname(spec.domainname.data(), spec.domainname.size()) != 0)
    fail_setup(Error{errno, "setdomainname " + spec.domainname});
  ok_or_die(enter_rootfs(spec.rootfs));

  ExecUser user = value_or_die(resolve_user(spec.user));
  ok_or_die(add_groups(user, spec.extra_groups));
  // Docker creates a missing working directory (root-owned, 0755).
  const std::string workdir = spec.workdir.empty() ? "/" : spec.workdir;
  if (workdir.front() != '/')
    fail_setup(Error{EINVAL, "working directory \"" + workdir + "\" is not absolute"});
  ok_or_die(fs::make_dirs(workdir, 0755));
  if (spec.read_only_root) ok_or_die(remount_root_read_only());
  // After pivot_root: /dev/ptmx is the container's own.
  UniqueFd console;
  if (spec.tty) console = value_or_die(open_console(spec.tty_rows, spec.tty_cols));

  report("ready");
  wait_for_barrier();
  // cgroup v1: asupd wrote this pid into the container's groups before it opened the
  // barrier, so a namespace made now is rooted there and the workload sees "/". (/sys was
  // mounted earlier; sysfs does not depend on the cgroup namespace.) `exec` joins this
  // namespace through init's pidfd.
  if (spec.late_cgroup_namespace && ::unshare(CLONE_NEWCGROUP) != 0)
    fail_setup(Error{errno, "unshare the cgroup namespace"});
  if (sysctl_dir) ok_or_die(write_sysctls(sysctl_dir.get(), spec.sysctls));
  sysctl_dir.reset();

  UniqueFd signals = value_or_die(open_signalfd());
  OutputKeeper keeper{spec.log_size, spec.tty};
  WorkloadStart start = value_or_die(start_workload(spec, user, console.get()));
  // The workload holds the only slave: when it and its children are gone, reading the
  // master ends (EIO) once everything written is read.
  console.reset();
  // From here on the daemon committed to running the container: every outcome is recorded
  // in exit.json, which survives an asupd restart.
  if (start.failure_code != 0) workload_failed(start, true);
  report("started " + std::to_string(start.visible_pid));
  close_report();

  ExitStatus exit = from_wait_status(supervise(start.pid, signals.get(), &keeper));
  // Every byte the workload wrote has a reader (asupd, or the spool) before the record
  // that tells asupd the container is over.
  keeper.finish();
  (void)write_exit_record(fds::kStateDir, exit);
  // PID 1 leaving tears down the pid namespace: the kernel kills whatever is left.
  ::_exit(exit.exit_code);
}

[[noreturn]] void run_exec(const launch::LaunchSpec& spec) {
  // v1 has no CLONE_INTO_CGROUP: join the container's groups before forking, so the
  // command is accounted and limited like the container from its first instruction.
  const std::string self = std::to_string(::getpid());
  for (const auto& procs : spec.cgroup_procs) {
    if (auto r = fs::write_file(procs, self); !r) fail_setup(r.error().wrap("join cgroup"));
  }
  // One atomic setns through the pidfd: either init is in every namespace of the
  // container or in none. Any failure ends here; the command must never run on the host.
  constexpr int kNamespaces =
      CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;
  if (::setns(fds::kNsPidfd, kNamespaces) != 0)
    fail_setup(Error{errno, "enter container namespaces (setns pidfd)"});
  ::close(fds::kNsPidfd);

  ExecUser user = value_or_die(resolve_user(spec.user));
  ok_or_die(add_groups(user, spec.extra_groups));
  // setns reset the root to the container's: /dev/ptmx is the container's own.
  UniqueFd console;
  if (spec.tty) {
    console = value_or_die(open_console(spec.tty_rows, spec.tty_cols));
    report("console");
    wait_for_barrier();
    // asupd holds the master now, alone: when it lets go (its client is gone), the
    // terminal hangs up and the session gets SIGHUP.
    ::close(fds::kConsoleMaster);
  }
  UniqueFd signals = value_or_die(open_signalfd());
  // CLONE_NEWPID applies to children only: the fork lands in the container's namespace.
  WorkloadStart start = value_or_die(start_workload(spec, user, console.get()));
  console.reset();
  if (start.failure_code != 0) workload_failed(start, false);
  report("started " + std::to_string(start.visible_pid));
  close_report();
  ::_exit(from_wait_status(supervise(start.pid, signals.get(), nullptr)).exit_code);
}

}  // namespace
}  // namespace asup::init

int main() {
  using namespace asup::init;
  block_all_signals();
  // Modes in the mount plan (devices 0666, /dev/shm 1777) are meant literally; the
  // workload gets the usual 022 back.
  ::umask(0);
  protect_inherited_fds();
  asup::launch::LaunchSpec spec = value_or_die(read_spec());
  if (spec.mode == asup::launch::Mode::Exec) run_exec(spec);
  run_container(spec);
}
