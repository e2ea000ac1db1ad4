// A short helper program run to its end with its output captured (`ps` for top): for a
// worker thread, never the event loop.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "asup/result.hpp"

namespace asup::sys {

struct Captured {
  std::string out, err;
  int exit_code = 0;  // 128+N for a signal
};

// Runs argv (argv[0] an absolute path) with stdin on /dev/null, `env` as its environment
// and no signal blocked. Its pid is registered from clone3 until it is reaped here, so a
// reaper of stray children (asupd's SIGCHLD net) asking is_helper_child leaves it alone.
Result<Captured> run_captured(const std::vector<std::string>& argv,
                              const std::vector<std::string>& env);

// Whether `pid` is a child of run_captured. It waits while a run_captured is between its
// clone3 and registering the pid, so a child cannot exit unregistered in its eyes.
bool is_helper_child(pid_t pid);

}  // namespace asup::sys
