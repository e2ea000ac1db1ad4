// top: `ps` on the host, its rows narrowed to the container's processes, as Docker's
// daemon does it (moby daemon/top_unix.go): any ps options, the PID column found by title.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "api/replies.hpp"
#include "asup/result.hpp"

namespace asup::engine {

// Docker's check: a NAME=PID... column rename other than pid= would hide the column.
Status validate_ps_args(const std::vector<std::string>& args);

// ps's output: the header's titles and the rows whose PID is one of `pids`, the columns
// past the last title joined with single blanks (the command's arguments).
Result<api::TopResult> parse_ps_output(const std::string& output, const std::vector<pid_t>& pids);

}  // namespace asup::engine
