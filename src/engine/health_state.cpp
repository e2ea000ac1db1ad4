// Docker's health rules (moby daemon/health.go) over plain values: what a check runs, how
// a result moves the status and the streak, and when the next probe is due.
#include "engine/health_state.hpp"

#include "core/duration.hpp"
#include "core/time_format.hpp"

namespace asup::engine {

using nlohmann::json;

const char* to_string(HealthStatus status) {
  switch (status) {
    case HealthStatus::Starting:
      return "starting";
    case HealthStatus::Healthy:
      return "healthy";
    case HealthStatus::Unhealthy:
      return "unhealthy";
  }
  return "starting";
}

namespace {

std::int64_t or_default(std::int64_t value, std::int64_t fallback) {
  return value == 0 ? fallback : value;
}

}  // namespace

std::optional<HealthPolicy> health_policy(const std::optional<image::HealthConfig>& check) {
  if (!check || check->test.empty()) return std::nullopt;
  const auto& test = check->test;
  HealthPolicy p;
  if (test[0] == "CMD") {
    p.argv.assign(test.begin() + 1, test.end());
  } else if (test[0] == "CMD-SHELL") {
    // Docker joins what follows with spaces into one shell command line.
    std::string line;
    for (std::size_t i = 1; i < test.size(); ++i) line += (i > 1 ? " " : "") + test[i];
    p.argv = {"/bin/sh", "-c", line};
  } else {
    return std::nullopt;  // NONE, or a type Docker would warn about and ignore
  }
  if (p.argv.empty()) return std::nullopt;
  p.interval = or_default(check->interval, kDefaultProbeInterval);
  p.timeout = or_default(check->timeout, kDefaultProbeTimeout);
  p.start_period = or_default(check->start_period, kDefaultStartPeriod);
  p.start_interval = or_default(check->start_interval, kDefaultStartInterval);
  p.retries = check->retries <= 0 ? kDefaultProbeRetries : check->retries;
  return p;
}

void restart_health(Health& health) {
  health.status = HealthStatus::Starting;
  health.failing_streak = 0;
}

void record_probe(Health& h, const HealthPolicy& policy, ProbeResult result,
                  std::int64_t started_ns) {
  const bool success = result.exit_code == 0;
  const bool in_start_period = result.start_ns - started_ns < policy.start_period;
  if (h.log.size() >= kMaxHealthLog) h.log.erase(h.log.begin(), h.log.end() - (kMaxHealthLog - 1));
  h.log.push_back(std::move(result));
  if (success) {
    h.failing_streak = 0;
    h.status = HealthStatus::Healthy;
    return;
  }
  // Until a first success, failures inside the start period do not count.
  if (h.status == HealthStatus::Starting && in_start_period) return;
  if (++h.failing_streak >= policy.retries) h.status = HealthStatus::Unhealthy;
}

std::int64_t next_probe_delay(const Health& h, const HealthPolicy& policy, std::int64_t now_ns,
                              std::int64_t started_ns) {
  if (now_ns - started_ns >= policy.start_period) return policy.interval;
  return h.status == HealthStatus::Starting ? policy.start_interval : policy.interval;
}

namespace {

// The length of the valid UTF-8 sequence at s[i], 0 if there is none.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b = byte(i);
  std::size_t n = b < 0x80           ? 1
                  : (b >> 5) == 0x6  ? 2
                  : (b >> 4) == 0xe  ? 3
                  : (b >> 3) == 0x1e ? 4
                                     : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  return n;
}

// What a command printed may be any bytes; JSON needs UTF-8. Each invalid byte becomes
// U+FFFD, as Go's encoder writes it for Docker.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

std::string ProbeOutput::text() const {
  return valid_utf8(kept_) + (truncated_ ? "..." : "");
}

void ProbeOutput::append(std::string_view bytes) {
  const std::size_t room = kMaxProbeOutput - kept_.size();
  kept_.append(bytes.substr(0, room));
  if (bytes.size() > room) truncated_ = true;
}

ProbeResult timed_out_probe(const HealthPolicy& policy, std::int64_t start_ns,
                            std::int64_t end_ns) {
  return ProbeResult{start_ns, end_ns, -1,
                     "Health check exceeded timeout (" + format_go_duration(policy.timeout) + ")"};
}

json health_to_json(const Health& h) {
  json log = json::array();
  for (const auto& r : h.log)
    log.push_back({{"start", r.start_ns},
                   {"end", r.end_ns},
                   {"exit_code", r.exit_code},
                   {"output", r.output}});
  return {{"status", to_string(h.status)}, {"failing_streak", h.failing_streak}, {"log", log}};
}

Health health_from_json(const json& j) {
  Health h;
  if (!j.is_object()) return h;
  const std::string status = j.value("status", "starting");
  if (status == "healthy") h.status = HealthStatus::Healthy;
  if (status == "unhealthy") h.status = HealthStatus::Unhealthy;
  h.failing_streak = j.value("failing_streak", std::int64_t{0});
  if (auto log = j.find("log"); log != j.end() && log->is_array())
    for (const auto& r : *log) {
      if (!r.is_object()) continue;
      h.log.push_back({r.value("start", std::int64_t{0}), r.value("end", std::int64_t{0}),
                       r.value("exit_code", 0), r.value("output", "")});
    }
  if (h.log.size() > kMaxHealthLog) h.log.erase(h.log.begin(), h.log.end() - kMaxHealthLog);
  return h;
}

json health_config_to_json(const image::HealthConfig& c) {
  return {{"test", c.test},
          {"interval", c.interval},
          {"timeout", c.timeout},
          {"start_period", c.start_period},
          {"start_interval", c.start_interval},
          {"retries", c.retries}};
}

std::optional<image::HealthConfig> health_config_from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  image::HealthConfig c;
  c.test = j.value("test", std::vector<std::string>{});
  c.interval = j.value("interval", std::int64_t{0});
  c.timeout = j.value("timeout", std::int64_t{0});
  c.start_period = j.value("start_period", std::int64_t{0});
  c.start_interval = j.value("start_interval", std::int64_t{0});
  c.retries = j.value("retries", std::int64_t{0});
  return c;
}

json health_view(const Health& h) {
  json log = json::array();
  for (const auto& r : h.log)
    log.push_back({{"Start", rfc3339(r.start_ns)},
                   {"End", rfc3339(r.end_ns)},
                   {"ExitCode", r.exit_code},
                   {"Output", r.output}});
  return {{"Status", to_string(h.status)}, {"FailingStreak", h.failing_streak}, {"Log", log}};
}

json health_config_view(const image::HealthConfig& c) {
  // Docker leaves out what is 0 (its fields are omitempty).
  json out{{"Test", c.test}};
  if (c.interval) out["Interval"] = c.interval;
  if (c.timeout) out["Timeout"] = c.timeout;
  if (c.start_period) out["StartPeriod"] = c.start_period;
  if (c.start_interval) out["StartInterval"] = c.start_interval;
  if (c.retries) out["Retries"] = c.retries;
  return out;
}

void add_health_views(const std::optional<image::HealthConfig>& check,
                      const std::optional<Health>& health, json& inspect) {
  if (check) inspect["Config"]["Healthcheck"] = health_config_view(*check);
  if (health) inspect["State"]["Health"] = health_view(*health);
}

}  // namespace asup::engine
