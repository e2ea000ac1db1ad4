#include "init/supervise.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>

namespace asup::init {

void block_all_signals() {
  sigset_t all;
  ::sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
}

int supervise(pid_t workload) {
  sigset_t all;
  ::sigfillset(&all);
  for (;;) {
    siginfo_t info;
    int sig = ::sigwaitinfo(&all, &info);
    if (sig < 0) continue;  // EINTR (a ptrace stop) is all it can fail with here
    if (sig != SIGCHLD) {
      // The workload may already be gone and not yet reaped; ESRCH does not matter.
      ::kill(workload, sig);
      continue;
    }
    // SIGCHLD coalesces: one may stand for many exits, so reap until nothing is left.
    bool done = false;
    int workload_status = 0;
    for (;;) {
      int status;
      pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == workload) {
        done = true;
        workload_status = status;
      }
    }
    if (done) return workload_status;
  }
}

}  // namespace asup::init
