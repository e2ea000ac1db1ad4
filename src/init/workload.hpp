// Forks and execs the workload: capabilities, user, no_new_privs, working directory, and
// the PATH lookup done against the workload's environment (not init's, which is empty).
#pragma once

#include <sys/types.h>

#include <string>

#include "asup/result.hpp"
#include "init/user.hpp"
#include "launch/launch_spec.hpp"

namespace asup::init {

struct WorkloadStart {
  pid_t pid = -1;          // in init's pid namespace: for waitpid and kill
  pid_t visible_pid = -1;  // the workload's own getpid(): its pid inside the container
  int failure_code = 0;    // non-zero: the workload never ran (125, 126 or 127)
  std::string failure;     // "exec: \"x\": executable file not found in $PATH"
};

// Returns once the workload has exec'ed or failed to; a failed child has already exited
// with failure_code (reap it). Only an error of init itself (fork, pipe) is an Error.
// console_slave >= 0: the workload's terminal (init/console.hpp) in place of fds 0-2.
Result<WorkloadStart> start_workload(const launch::LaunchSpec& spec, const ExecUser& user,
                                     int console_slave = -1);

}  // namespace asup::init
