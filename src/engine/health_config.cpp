// Docker's two checks of a health check: its CLI's (a conflict, negative values) for
// clients that send the fields themselves, and its daemon's (each duration, when set, at
// least 1ms; retries not negative), then its merge over the image's HEALTHCHECK.
#include "engine/health_config.hpp"

namespace asup::engine {
namespace {

constexpr std::int64_t kMinimumDuration = 1'000'000;  // 1ms

bool any_health_flag(const api::RunRequest& r) {
  return !r.health_cmd.empty() || r.health_interval != 0 || r.health_timeout != 0 ||
         r.health_start_period != 0 || r.health_start_interval != 0 || r.health_retries != 0;
}

Status check_duration(std::int64_t value, const char* field) {
  if (value != 0 && value < kMinimumDuration)
    return fail(EINVAL, std::string(field) + " in Healthcheck cannot be less than 1ms");
  return ok();
}

// The user's part of the check: nullopt when no flag was given.
Result<std::optional<image::HealthConfig>> requested_check(const api::RunRequest& r) {
  if (r.no_healthcheck) {
    if (any_health_flag(r))
      return fail(EINVAL, "--no-healthcheck conflicts with --health-* options");
    return std::optional<image::HealthConfig>(image::HealthConfig{{"NONE"}});
  }
  if (!any_health_flag(r)) return std::optional<image::HealthConfig>{};
  image::HealthConfig c;
  if (!r.health_cmd.empty()) c.test = {"CMD-SHELL", r.health_cmd};
  c.interval = r.health_interval;
  c.timeout = r.health_timeout;
  c.start_period = r.health_start_period;
  c.start_interval = r.health_start_interval;
  c.retries = r.health_retries;
  ASUP_TRY(check_duration(c.interval, "Interval"));
  ASUP_TRY(check_duration(c.timeout, "Timeout"));
  if (c.retries < 0) return fail(EINVAL, "Retries in Healthcheck cannot be negative");
  ASUP_TRY(check_duration(c.start_period, "StartPeriod"));
  ASUP_TRY(check_duration(c.start_interval, "StartInterval"));
  return std::optional<image::HealthConfig>(std::move(c));
}

}  // namespace

Result<std::optional<image::HealthConfig>> merge_healthcheck(
    const api::RunRequest& r, const std::optional<image::HealthConfig>& image) {
  ASUP_TRY(auto user, requested_check(r));
  if (!user) return image;
  if (!image) return user;
  auto pick = [](std::int64_t mine, std::int64_t theirs) { return mine != 0 ? mine : theirs; };
  if (user->test.empty()) user->test = image->test;
  user->interval = pick(user->interval, image->interval);
  user->timeout = pick(user->timeout, image->timeout);
  user->start_period = pick(user->start_period, image->start_period);
  user->start_interval = pick(user->start_interval, image->start_interval);
  user->retries = pick(user->retries, image->retries);
  return user;
}

}  // namespace asup::engine
