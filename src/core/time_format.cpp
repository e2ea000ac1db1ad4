#include "core/time_format.hpp"

#include <time.h>

#include <cstdio>

namespace asup {

std::string rfc3339(std::int64_t unix_ns) {
  if (unix_ns <= 0) return "0001-01-01T00:00:00Z";
  time_t secs = static_cast<time_t>(unix_ns / 1000000000);
  struct tm tm;
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(unix_ns % 1000000000));
  return buf;
}

}  // namespace asup
