// exit.json in the container's state dir: the status asupd reads even if it was down
// when the container ended.
#pragma once

#include "asup/result.hpp"

namespace asup::init {

struct ExitStatus {
  int exit_code = 0;  // the status, or 128 + signal
  int signal = 0;     // 0 for a normal exit
};

ExitStatus from_wait_status(int status);

// Writes {"exit_code":N,"signal":S,"finished_at":UNIX_NANOS} atomically into `state_dir`.
Status write_exit_record(int state_dir, const ExitStatus& status);

}  // namespace asup::init
