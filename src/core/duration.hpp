// Durations as Go spells them ("1m30s", "500ms", "2h", "-1.5s"): the health check flags
// take them, as Docker's CLI parses them with time.ParseDuration, and the daemon's texts
// print them back as Go's Duration.String does ("1m30s", "500ms", "0s").
#pragma once

#include <cstdint>
#include <string>

#include "asup/result.hpp"

namespace asup {

// Nanoseconds, or Go's error text: `time: invalid duration "x"`, `time: missing unit in
// duration "5"`, `time: unknown unit "d" in duration "5d"`.
Result<std::int64_t> parse_go_duration(const std::string& text);

// Go's Duration.String: "1h2m3.5s", "1.5ms", "0s".
std::string format_go_duration(std::int64_t ns);

}  // namespace asup
