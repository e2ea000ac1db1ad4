#include "init/supervise.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "init/output_keeper.hpp"

namespace asup::init {
namespace {

// Reads every pending signal: forwards all but SIGCHLD, then reaps. True with the
// workload's status once it was reaped.
bool handle_signals(int signals, pid_t workload, int& workload_status) {
  const auto self = static_cast<std::uint32_t>(::getpid());
  bool child = false;
  for (;;) {
    struct signalfd_siginfo info[8];
    ssize_t n = ::read(signals, info, sizeof info);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n) / sizeof info[0]; ++i) {
      int sig = static_cast<int>(info[i].ssi_signo);
      if (sig == SIGCHLD) {
        child = true;
        continue;
      }
      // Raised by init's own doing, not sent to the container: SIGPIPE from a report
      // written after asupd died, SIGXFSZ from the spool. They are blocked like every
      // signal, so they wait here; forwarded, they would kill the workload.
      if (info[i].ssi_pid == self && info[i].ssi_code == SI_USER) continue;
      // The workload may already be gone and not yet reaped; ESRCH does not matter.
      ::kill(workload, sig);
    }
  }
  if (!child) return false;
  // SIGCHLD coalesces: one may stand for many exits, so reap until nothing is left.
  bool done = false;
  for (;;) {
    int status;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    if (pid == workload) {
      done = true;
      workload_status = status;
    }
  }
  return done;
}

}  // namespace

void block_all_signals() {
  sigset_t all;
  ::sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
}

Result<UniqueFd> open_signalfd() {
  sigset_t all;
  ::sigfillset(&all);
  UniqueFd fd{::signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK)};
  if (!fd) return fail_errno("signalfd");
  return fd;
}

int supervise(pid_t workload, int signals, OutputKeeper* keeper) {
  for (;;) {
    struct pollfd p[1 + OutputKeeper::kSlots];
    p[0] = {signals, POLLIN, 0};
    nfds_t count = 1;
    if (keeper && keeper->active()) {
      keeper->fill(p + 1);
      count += OutputKeeper::kSlots;
    }
    if (::poll(p, count, -1) < 0) continue;  // EINTR (a ptrace stop) is all it can fail with
    // The keeper first: asupd's death in the same turn as the workload's exit means the
    // last output is init's to keep.
    if (count > 1) keeper->handle(p + 1);
    int status = 0;
    if (p[0].revents != 0 && handle_signals(signals, workload, status)) return status;
  }
}

}  // namespace asup::init
