#pragma once

#include <cstdint>
#include <string>

namespace asup {

// RFC 3339 with nanoseconds in UTC, as Docker prints times: 2026-11-25T09:00:00.123456789Z
std::string rfc3339(std::int64_t unix_ns);

}  // namespace asup
