// Sizes as Docker's flags spell them (-m, --log-size, --shm-size): parsed here once for
// the CLI and the daemon.
#pragma once

#include <cstdint>
#include <string>

#include "asup/result.hpp"

namespace asup {

// "512m", "1g", "1048576", "2.5k" -> bytes (Docker's units: b k m g, case-insensitive).
Result<std::int64_t> parse_bytes(const std::string& text);

}  // namespace asup
