#include "cli/run_health_flags.hpp"

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "core/duration.hpp"

namespace asup::cli {
namespace {

// pflag's words for a value it cannot parse.
std::string invalid_argument(const std::string& value, const char* flag, const std::string& why) {
  return "invalid argument \"" + value + "\" for \"" + flag + "\" flag: " + why;
}

Result<std::int64_t> duration_flag(const std::string& text, const char* flag) {
  if (text.empty()) return std::int64_t{0};
  auto ns = parse_go_duration(text);
  if (!ns) return fail(invalid_argument(text, flag, ns.error().message));
  return ns.value();
}

Result<std::int64_t> retries_flag(const std::string& text) {
  if (text.empty()) return std::int64_t{0};
  errno = 0;
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 0);
  if (errno == ERANGE)
    return fail(invalid_argument(text, "--health-retries",
                                 "strconv.ParseInt: parsing \"" + text + "\": value out of range"));
  if (end == text.c_str() || *end != '\0' || text.find_first_of(" \t") != std::string::npos)
    return fail(invalid_argument(text, "--health-retries",
                                 "strconv.ParseInt: parsing \"" + text + "\": invalid syntax"));
  return static_cast<std::int64_t>(value);
}

}  // namespace

void add_health_flags(CLI::App& cmd, HealthFlags& f) {
  cmd.add_option("--health-cmd", f.cmd, "Command to run to check health");
  cmd.add_option("--health-interval", f.interval,
                 "Time between running the check (ms|s|m|h) (default 0s)");
  cmd.add_option("--health-retries", f.retries, "Consecutive failures needed to report unhealthy");
  cmd.add_option("--health-start-interval", f.start_interval,
                 "Time between running the check during the start period (ms|s|m|h) "
                 "(default 0s)");
  cmd.add_option("--health-start-period", f.start_period,
                 "Start period for the container to initialize before starting health-retries "
                 "countdown (ms|s|m|h) (default 0s)");
  cmd.add_option("--health-timeout", f.timeout,
                 "Maximum time to allow one check to run (ms|s|m|h) (default 0s)");
  cmd.add_flag("--no-healthcheck", f.none, "Disable any container-specified HEALTHCHECK");
}

Status add_health(const HealthFlags& f, api::RunRequest& req) {
  // Values that do not parse fail first, as pflag refuses them before Docker looks further.
  ASUP_TRY(req.health_interval, duration_flag(f.interval, "--health-interval"));
  ASUP_TRY(req.health_timeout, duration_flag(f.timeout, "--health-timeout"));
  ASUP_TRY(req.health_start_period, duration_flag(f.start_period, "--health-start-period"));
  ASUP_TRY(req.health_start_interval, duration_flag(f.start_interval, "--health-start-interval"));
  ASUP_TRY(req.health_retries, retries_flag(f.retries));
  req.health_cmd = f.cmd;
  req.no_healthcheck = f.none;
  const bool any = !f.cmd.empty() || req.health_interval || req.health_timeout ||
                   req.health_start_period || req.health_start_interval || req.health_retries;
  if (f.none && any) return fail("--no-healthcheck conflicts with --health-* options");
  const std::pair<std::int64_t, const char*> checks[] = {
      {req.health_interval, "--health-interval"},
      {req.health_timeout, "--health-timeout"},
      {req.health_retries, "--health-retries"},
      {req.health_start_period, "--health-start-period"},
      {req.health_start_interval, "--health-start-interval"}};
  for (const auto& [value, flag] : checks)
    if (value < 0) return fail(std::string(flag) + " cannot be negative");
  return ok();
}

}  // namespace asup::cli
