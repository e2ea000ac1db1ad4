// The process behind a session. The pid in a hello is only a claim, yet asupd takes that
// process's descriptors (pidfd_getfd) for `exec` and `run -i`: before it does, it checks
// that the process holds the session's request FIFO open, which only the client that made
// the FIFO (or a process it handed the descriptor to) can.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <string_view>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::control {

// Whether process `pid` has a descriptor open on the file `file` (its st_dev, st_ino)
// whose name was `path` (the real path, as /proc/PID/fd shows it, with or without
// " (deleted)"). Only descriptors whose link reads `path` are stat'ed: following any
// other could touch a hung network filesystem and block the loop.
bool process_holds(pid_t pid, const struct stat& file, std::string_view path);

// A pidfd for `pid`, once the process is seen holding the FIFO `fifo`, named `path`,
// open. The pidfd is opened first and checked alive last, so the process scanned in /proc
// is the one it refers to even if the pid was reused meanwhile.
Result<UniqueFd> open_verified_pidfd(pid_t pid, const struct stat& fifo, std::string_view path);

}  // namespace asup::control
