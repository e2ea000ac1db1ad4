// Starts asup-init from the (multi-threaded) daemon: everything is prepared before clone3,
// and the child only moves descriptors into place and execs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"
#include "launch/launch_spec.hpp"

namespace asup::launch {

struct SpawnRequest {
  std::string init_path;  // absolute path of asup-init
  LaunchSpec spec;
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;  // become 0,1,2 (-1 => /dev/null)
  int state_dir_fd = -1;                              // becomes fds::kStateDir
  int stdout_hold_fd = -1, stderr_hold_fd = -1;       // become kStdoutHold/kStderrHold (optional)
  int ns_pidfd = -1;                                  // exec mode: becomes fds::kNsPidfd
  // Container mode: asupd's own pidfd, becomes fds::kDaemonPidfd; with it the child also
  // gets the control socketpair (fds::kControl, fds::kControlPeer) and keeps the output
  // while asupd is away. Needs both hold fds.
  int daemon_pidfd = -1;
  std::uint64_t namespaces = 0;  // CLONE_NEW* flags for clone3
  int cgroup_fd = -1;            // >= 0: CLONE_INTO_CGROUP
  // >= 0: a network namespace (or a pidfd) the child joins before its exec, in place of
  // CLONE_NEWNET (--network container:ID).
  int netns_fd = -1;
  // >= 0: a pidfd whose IPC namespace the child joins in place of CLONE_NEWIPC (--ipc
  // container:ID).
  int ipcns_fd = -1;
  // >= 0: a pidfd whose PID namespace the child is born in, in place of CLONE_NEWPID (--pid
  // container:ID). A process cannot move itself into another pid namespace, so the
  // spawning thread sets it for its children around clone3.
  int pidns_fd = -1;
};

struct Spawned {
  pid_t pid = -1;
  UniqueFd pidfd;
  UniqueFd report;   // read end of the report pipe, O_CLOEXEC | O_NONBLOCK
  UniqueFd barrier;  // write end of the start barrier (container mode only)
};

// The caller's descriptors in the request are not consumed: the child gets duplicates.
Result<Spawned> spawn(const SpawnRequest& request);

// The pty master of a spawned asup-init with a terminal (fds::kConsoleMaster), once it
// reported "ready" (container mode) or "console" (exec mode).
Result<UniqueFd> take_console(int init_pidfd);

// Raises this process's soft RLIMIT_NOFILE to its hard limit (every container holds a
// pidfd and three pipes in asupd; a systemd service starts with a soft limit of 1024),
// while the containers spawned afterwards still start with the limit asupd was given.
Status raise_open_file_limit();

}  // namespace asup::launch
