// The times `logs --since` and `--until` take, as Docker's client reads them
// (api/types/time GetTimestamp): a Go duration back from now ("10m", "1h30m"), an RFC 3339
// time with or without seconds, fraction or zone (no zone: the local one), a date alone,
// or Unix seconds with an optional fraction ("1700000000.5").
#pragma once

#include <cstdint>
#include <string>

#include "asup/result.hpp"

namespace asup {

// Unix nanoseconds, or the text Docker's client gives ("failed to parse value as time or
// duration: \"x\"", or Go's time.Parse text for a malformed date). A duration counts back
// from `now_ns` and, as in Docker, to the whole second. `local_offset_s`: the local zone's
// offset from UTC now, for times written without a zone.
Result<std::int64_t> parse_log_time(const std::string& value, std::int64_t now_ns,
                                    long local_offset_s);

}  // namespace asup
