// Thin wrappers for system calls glibc 2.36 does not expose (clone3, pidfd_*), so the
// rest of the code calls named functions instead of raw syscall numbers.
#pragma once

#include <linux/sched.h>
#include <signal.h>
#include <sys/types.h>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

namespace asup::sys {

// Raw clone3: returns 0 in the child, the pid in the parent, -1 with errno on failure.
// The child of a multi-threaded process may only call async-signal-safe functions.
pid_t clone3_raw(struct clone_args* args);
Result<UniqueFd> pidfd_open(pid_t pid);
Result<UniqueFd> pidfd_getfd(int pidfd, int target_fd);
Status pidfd_send_signal(int pidfd, int sig);
// close_range(first, ~0U, 0) with a fallback loop for kernels without it.
void close_from(int first);
// Field 22 of /proc/PID/stat: the start time in clock ticks, used to tell a live
// process from a reused pid. 0 when the process does not exist.
unsigned long long process_start_time(pid_t pid);

}  // namespace asup::sys
