// The PID 1 loop: reap every child, forward signals to the workload.
#pragma once

#include <sys/types.h>

namespace asup::init {

// Blocks all signals for the rest of init's life. Called first thing: signals that arrive
// during setup stay pending and are forwarded once the workload runs. Blocked (rather than
// handled) is also what lets a pid-namespace init receive them at all: the kernel drops
// signals to such an init whose disposition is SIG_DFL, unless they are blocked.
void block_all_signals();

// Waits in sigwaitinfo: SIGCHLD reaps every exited child (orphans included); any other
// signal is sent on to `workload`. Returns the workload's wait status when it exits.
int supervise(pid_t workload);

}  // namespace asup::init
