// A short helper program run to its end with its output captured (`ps` for top): for a
// worker thread, never the event loop.
#pragma once

#include <string>
#include <vector>

#include "asup/result.hpp"

namespace asup::sys {

struct Captured {
  std::string out, err;
  int exit_code = 0;  // 128+N for a signal
};

// Runs argv (argv[0] an absolute path) with stdin on /dev/null, `env` as its environment
// and no signal blocked. The child is born without an exit signal, so a daemon's SIGCHLD
// reaper (waitid(P_ALL) without __WALL) never sees it and cannot take its status.
Result<Captured> run_captured(const std::vector<std::string>& argv,
                              const std::vector<std::string>& env);

}  // namespace asup::sys
