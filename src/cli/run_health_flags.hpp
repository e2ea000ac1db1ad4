// The health check flags of `run` and `create`: --health-cmd, --health-interval,
// --health-timeout, --health-retries, --health-start-period, --health-start-interval and
// --no-healthcheck, with Docker's spelling, durations (Go's syntax) and texts.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "api/requests.hpp"
#include "asup/result.hpp"

namespace asup::cli {

// As typed; parsed by add_health (a duration's error names its flag, as Docker's does).
struct HealthFlags {
  std::string cmd, interval, timeout, start_period, start_interval, retries;
  bool none = false;  // --no-healthcheck
};

void add_health_flags(CLI::App& cmd, HealthFlags& flags);

// The flags into the request: durations in ns; Docker's CLI checks (negative values, the
// conflict with --no-healthcheck).
Status add_health(const HealthFlags& flags, api::RunRequest& req);

}  // namespace asup::cli
