// The workload's terminal: a pseudo-terminal from the container's own devpts instance
// (mounted newinstance at /dev/pts, /dev/ptmx pointing into it), so the workload sees
// /dev/pts/0 and nothing of the host's terminals.
#pragma once

#include <cstdint>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::init {

// Opens /dev/ptmx of the current root, sizes the terminal and puts the master at
// fds::kConsoleMaster (close-on-exec). Returns the slave, which the workload takes with
// become_terminal_session().
Result<UniqueFd> open_console(std::uint32_t rows, std::uint32_t cols);

// In the workload's child: a new session whose controlling terminal is `slave`, which
// becomes stdin, stdout and stderr.
Status become_terminal_session(int slave);

}  // namespace asup::init
