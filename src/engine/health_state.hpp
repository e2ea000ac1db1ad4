// A container's health as Docker keeps it (State.Health): the status, the failing streak
// and the last results, and the rules that move them — a pure state machine, unit-tested
// without containers. The probes themselves run in health.cpp.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/store.hpp"

namespace asup::engine {

// Docker's defaults (daemon/health.go) for a field left at 0.
inline constexpr std::int64_t kDefaultProbeInterval = 30'000'000'000;
inline constexpr std::int64_t kDefaultProbeTimeout = 30'000'000'000;
inline constexpr std::int64_t kDefaultStartPeriod = 0;
inline constexpr std::int64_t kDefaultStartInterval = 5'000'000'000;
inline constexpr std::int64_t kDefaultProbeRetries = 3;
// The results kept, and the bytes of output kept of each.
inline constexpr std::size_t kMaxHealthLog = 5;
inline constexpr std::size_t kMaxProbeOutput = 4096;

enum class HealthStatus { Starting, Healthy, Unhealthy };
const char* to_string(HealthStatus status);  // "starting", "healthy", "unhealthy"

struct ProbeResult {
  std::int64_t start_ns = 0;  // wall clock
  std::int64_t end_ns = 0;
  int exit_code = 0;  // -1: the probe could not run or ran past its timeout
  std::string output;
};

struct Health {
  HealthStatus status = HealthStatus::Starting;
  std::int64_t failing_streak = 0;
  std::vector<ProbeResult> log;  // oldest first, at most kMaxHealthLog
};

// A check with Docker's defaults filled in and the command a probe runs.
struct HealthPolicy {
  std::vector<std::string> argv;  // CMD: as given; CMD-SHELL: /bin/sh -c COMMAND
  std::int64_t interval = kDefaultProbeInterval;
  std::int64_t timeout = kDefaultProbeTimeout;
  std::int64_t start_period = kDefaultStartPeriod;
  std::int64_t start_interval = kDefaultStartInterval;
  std::int64_t retries = kDefaultProbeRetries;
};

// The policy of a container's check; nullopt when it has none to run: no check, an
// empty test, NONE or an unknown type (which Docker ignores too).
std::optional<HealthPolicy> health_policy(const std::optional<image::HealthConfig>& check);

// A new run of the container: starting again with no streak; the log is kept.
void restart_health(Health& health);

// One probe's result (Docker's handleProbeResult): a success makes the container healthy
// and ends the streak; a failure (any code but 0) adds to the streak unless it started
// within the start period while the container was still starting, and `retries` failures
// in a row make it unhealthy. `started_ns` is when the run started (wall clock).
void record_probe(Health& health, const HealthPolicy& policy, ProbeResult result,
                  std::int64_t started_ns);

// How long until the next probe, counted from the end of the last (or from the start):
// the start interval while the container is starting within its start period, else the
// interval.
std::int64_t next_probe_delay(const Health& health, const HealthPolicy& policy, std::int64_t now_ns,
                              std::int64_t started_ns);

// A probe's output as Docker keeps it: the first kMaxProbeOutput bytes, "..." after them
// when more came.
class ProbeOutput {
 public:
  void append(std::string_view bytes);
  std::string text() const;  // valid UTF-8 (JSON carries it)

 private:
  std::string kept_;
  bool truncated_ = false;
};

// "Health check exceeded timeout (1s)": the result of a probe killed at its timeout.
ProbeResult timed_out_probe(const HealthPolicy& policy, std::int64_t start_ns, std::int64_t end_ns);

// state.json's "health" (times in ns) and back; a malformed record reads as starting.
nlohmann::json health_to_json(const Health& health);
Health health_from_json(const nlohmann::json& j);
// config.json's "healthcheck" and back.
nlohmann::json health_config_to_json(const image::HealthConfig& check);
std::optional<image::HealthConfig> health_config_from_json(const nlohmann::json& j);

// What inspect shows: State.Health (Status, FailingStreak, Log with RFC 3339 times) and
// Config.Healthcheck (Test and the durations in ns, as Docker shows them).
nlohmann::json health_view(const Health& health);
nlohmann::json health_config_view(const image::HealthConfig& check);
// Both into a container's inspect document, where it has them.
void add_health_views(const std::optional<image::HealthConfig>& check,
                      const std::optional<Health>& health, nlohmann::json& inspect);

}  // namespace asup::engine
