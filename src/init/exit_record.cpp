#include "init/exit_record.hpp"

#include <sys/wait.h>
#include <time.h>

#include <string>

#include "core/fs.hpp"
#include "launch/launch_spec.hpp"

namespace asup::init {

ExitStatus from_wait_status(int status) {
  if (WIFSIGNALED(status)) return {128 + WTERMSIG(status), WTERMSIG(status)};
  return {WEXITSTATUS(status), 0};
}

Status write_exit_record(int state_dir, const ExitStatus& status) {
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  unsigned long long nanos = static_cast<unsigned long long>(now.tv_sec) * 1000000000ULL +
                             static_cast<unsigned long long>(now.tv_nsec);
  std::string json = "{\"exit_code\":" + std::to_string(status.exit_code) +
                     ",\"signal\":" + std::to_string(status.signal) +
                     ",\"finished_at\":" + std::to_string(nanos) + "}\n";
  return fs::write_file_atomic_at(state_dir, launch::kExitFile, json);
}

}  // namespace asup::init
