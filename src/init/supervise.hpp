// The PID 1 loop: reap every child, forward signals to the workload, keep the output.
#pragma once

#include <sys/types.h>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::init {

class OutputKeeper;

// Blocks all signals for the rest of init's life. Called first thing: signals that arrive
// during setup stay pending and are forwarded once the workload runs. Blocked (rather than
// handled) is also what lets a pid-namespace init receive them at all: the kernel drops
// signals to such an init whose disposition is SIG_DFL, unless they are blocked.
void block_all_signals();

// A signalfd for every signal (they stay blocked), opened before the workload is forked
// so that the descriptors init holds are the same at every moment of the workload's life.
Result<UniqueFd> open_signalfd();

// Polls the signalfd and, in container mode, the keeper's descriptors: SIGCHLD reaps every
// exited child (orphans included); any other signal is sent on to `workload`. Returns the
// workload's wait status when it exits. `keeper` may be null (exec mode).
int supervise(pid_t workload, int signals, OutputKeeper* keeper);

}  // namespace asup::init
