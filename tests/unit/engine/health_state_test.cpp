#include <catch2/catch.hpp>

#include "engine/health_config.hpp"
#include "engine/health_state.hpp"

using namespace asup::engine;
using asup::image::HealthConfig;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

HealthPolicy policy_of(HealthConfig check) {
  auto p = health_policy(check);
  REQUIRE(p);
  return *p;
}

ProbeResult result_at(std::int64_t start, int code, std::string output = "") {
  return {start, start + 1000, code, std::move(output)};
}

}  // namespace

TEST_CASE("a check's policy: the command and Docker's defaults", "[health]") {
  auto shell = policy_of({{"CMD-SHELL", "test -f /ok"}});
  CHECK(shell.argv == std::vector<std::string>{"/bin/sh", "-c", "test -f /ok"});
  CHECK(shell.interval == 30 * kSecond);
  CHECK(shell.timeout == 30 * kSecond);
  CHECK(shell.start_period == 0);
  CHECK(shell.start_interval == 5 * kSecond);
  CHECK(shell.retries == 3);
  auto cmd = policy_of({{"CMD", "cat", "/ok"}, kSecond, 2 * kSecond, 3 * kSecond, kSecond / 2, 7});
  CHECK(cmd.argv == std::vector<std::string>{"cat", "/ok"});
  CHECK(cmd.interval == kSecond);
  CHECK(cmd.timeout == 2 * kSecond);
  CHECK(cmd.start_period == 3 * kSecond);
  CHECK(cmd.start_interval == kSecond / 2);
  CHECK(cmd.retries == 7);
  // Nothing to run: no check, NONE, an empty test, an unknown type, CMD without argv.
  CHECK_FALSE(health_policy(std::nullopt));
  CHECK_FALSE(health_policy(HealthConfig{{"NONE"}}));
  CHECK_FALSE(health_policy(HealthConfig{}));
  CHECK_FALSE(health_policy(HealthConfig{{"HTTP", "x"}}));
  CHECK_FALSE(health_policy(HealthConfig{{"CMD"}}));
}

TEST_CASE("results move the status and the streak as Docker's do", "[health]") {
  auto p = policy_of({{"CMD", "true"}, kSecond, kSecond, 0, 0, 2});
  Health h;
  record_probe(h, p, result_at(10, 1, "no"), 0);
  CHECK(h.status == HealthStatus::Starting);
  CHECK(h.failing_streak == 1);
  record_probe(h, p, result_at(20, 0, "yes"), 0);
  CHECK(h.status == HealthStatus::Healthy);
  CHECK(h.failing_streak == 0);
  // Any code but 0 is a failure; `retries` of them in a row make it unhealthy.
  record_probe(h, p, result_at(30, 2), 0);
  CHECK(h.status == HealthStatus::Healthy);
  CHECK(h.failing_streak == 1);
  record_probe(h, p, result_at(40, -1, "Health check exceeded timeout (1s)"), 0);
  CHECK(h.status == HealthStatus::Unhealthy);
  CHECK(h.failing_streak == 2);
  record_probe(h, p, result_at(50, 1), 0);
  CHECK(h.failing_streak == 3);
  record_probe(h, p, result_at(60, 0), 0);
  CHECK(h.status == HealthStatus::Healthy);
  // The log keeps the last five, oldest first.
  REQUIRE(h.log.size() == kMaxHealthLog);
  CHECK(h.log.front().start_ns == 20);
  CHECK(h.log.back().start_ns == 60);
  CHECK(h.log[2].exit_code == -1);
  CHECK(h.log[2].output == "Health check exceeded timeout (1s)");
}

TEST_CASE("failures in the start period do not count until a success", "[health]") {
  auto p = policy_of({{"CMD", "true"}, kSecond, kSecond, 10 * kSecond, 0, 1});
  const std::int64_t started = 100 * kSecond;
  Health h;
  record_probe(h, p, result_at(started + 2 * kSecond, 1), started);
  record_probe(h, p, result_at(started + 9 * kSecond, 1), started);
  CHECK(h.status == HealthStatus::Starting);
  CHECK(h.failing_streak == 0);
  CHECK(h.log.size() == 2);
  // Past the period a failure counts.
  record_probe(h, p, result_at(started + 10 * kSecond, 1), started);
  CHECK(h.status == HealthStatus::Unhealthy);
  // A success ends the start period: a failure inside it counts from then on.
  Health again;
  record_probe(again, p, result_at(started + kSecond, 0), started);
  record_probe(again, p, result_at(started + 2 * kSecond, 1), started);
  CHECK(again.status == HealthStatus::Unhealthy);
  CHECK(again.failing_streak == 1);
}

TEST_CASE("the next probe: start interval while starting in the period", "[health]") {
  auto p = policy_of({{"CMD", "true"}, 30 * kSecond, kSecond, 60 * kSecond, 2 * kSecond, 3});
  Health h;
  CHECK(next_probe_delay(h, p, 5 * kSecond, 0) == 2 * kSecond);
  CHECK(next_probe_delay(h, p, 60 * kSecond, 0) == 30 * kSecond);
  h.status = HealthStatus::Healthy;
  CHECK(next_probe_delay(h, p, 5 * kSecond, 0) == 30 * kSecond);
  // No start period: always the interval.
  auto plain = policy_of({{"CMD", "true"}, 3 * kSecond});
  CHECK(next_probe_delay(Health{}, plain, 0, 0) == 3 * kSecond);
}

TEST_CASE("a new run starts again, keeping the log", "[health]") {
  Health h{HealthStatus::Unhealthy, 4, {result_at(1, 1)}};
  restart_health(h);
  CHECK(h.status == HealthStatus::Starting);
  CHECK(h.failing_streak == 0);
  CHECK(h.log.size() == 1);
}

TEST_CASE("probe output is kept to 4096 bytes, valid UTF-8", "[health]") {
  ProbeOutput out;
  out.append(std::string(4000, 'a'));
  out.append(std::string(200, 'b'));
  std::string text = out.text();
  CHECK(text.size() == 4096 + 3);
  CHECK(text.substr(4090) == "bbbbbb...");
  ProbeOutput bytes;
  bytes.append("ok \xff\xc3\xa9");
  CHECK(bytes.text() == "ok \xef\xbf\xbd\xc3\xa9");
  auto p = policy_of({{"CMD", "true"}, 0, 1'500'000'000});
  CHECK(timed_out_probe(p, 1, 2).output == "Health check exceeded timeout (1.5s)");
  CHECK(timed_out_probe(p, 1, 2).exit_code == -1);
}

TEST_CASE("health survives state.json, and inspect shows Docker's shape", "[health]") {
  Health h{HealthStatus::Healthy, 0, {result_at(1'700'000'000'000'000'000, 0, "fine\n")}};
  Health back = health_from_json(nlohmann::json::parse(health_to_json(h).dump()));
  CHECK(back.status == HealthStatus::Healthy);
  REQUIRE(back.log.size() == 1);
  CHECK(back.log[0].output == "fine\n");
  CHECK(back.log[0].end_ns == h.log[0].end_ns);
  HealthConfig check{{"CMD-SHELL", "true"}, kSecond, 0, 0, 0, 2};
  CHECK(health_config_from_json(health_config_to_json(check)) == check);
  nlohmann::json doc{{"State", nlohmann::json::object()}, {"Config", nlohmann::json::object()}};
  add_health_views(check, h, doc);
  CHECK(doc["Config"]["Healthcheck"] ==
        nlohmann::json{{"Test", {"CMD-SHELL", "true"}}, {"Interval", kSecond}, {"Retries", 2}});
  CHECK(doc["State"]["Health"]["Status"] == "healthy");
  CHECK(doc["State"]["Health"]["FailingStreak"] == 0);
  CHECK(doc["State"]["Health"]["Log"][0]["ExitCode"] == 0);
  CHECK(doc["State"]["Health"]["Log"][0]["Output"] == "fine\n");
  CHECK(doc["State"]["Health"]["Log"][0]["Start"].get<std::string>().rfind("2023-11-14T", 0) == 0);
}

TEST_CASE("flags merge over the image's check as Docker merges them", "[health]") {
  const HealthConfig image{{"CMD", "check"}, 10 * kSecond, 5 * kSecond, 0, 0, 4};
  asup::api::RunRequest r;
  CHECK(merge_healthcheck(r, image).value() == image);
  CHECK_FALSE(merge_healthcheck(r, std::nullopt).value());
  r.no_healthcheck = true;
  // As Docker's merge: the image's values stay beside NONE, which runs nothing.
  CHECK(merge_healthcheck(r, image).value() ==
        HealthConfig{{"NONE"}, 10 * kSecond, 5 * kSecond, 0, 0, 4});
  CHECK(merge_healthcheck(r, std::nullopt).value() == HealthConfig{{"NONE"}});
  r = {};
  r.health_interval = 2 * kSecond;
  auto merged = merge_healthcheck(r, image).value();
  CHECK(merged == HealthConfig{{"CMD", "check"}, 2 * kSecond, 5 * kSecond, 0, 0, 4});
  r.health_cmd = "true";
  r.health_retries = 1;
  merged = merge_healthcheck(r, image).value();
  CHECK(merged == HealthConfig{{"CMD-SHELL", "true"}, 2 * kSecond, 5 * kSecond, 0, 0, 1});
  CHECK(merge_healthcheck(r, std::nullopt).value() ==
        HealthConfig{{"CMD-SHELL", "true"}, 2 * kSecond, 0, 0, 0, 1});
}

TEST_CASE("the daemon refuses what Docker's daemon refuses", "[health]") {
  auto refused = [](asup::api::RunRequest r) {
    auto merged = merge_healthcheck(r, std::nullopt);
    REQUIRE_FALSE(merged);
    return merged.error().message;
  };
  asup::api::RunRequest r;
  r.health_cmd = "true";
  r.health_interval = 999'999;
  CHECK(refused(r) == "Interval in Healthcheck cannot be less than 1ms");
  r.health_interval = -kSecond;
  CHECK(refused(r) == "Interval in Healthcheck cannot be less than 1ms");
  r.health_interval = 0;
  r.health_timeout = 10;
  CHECK(refused(r) == "Timeout in Healthcheck cannot be less than 1ms");
  r.health_timeout = 0;
  r.health_retries = -1;
  CHECK(refused(r) == "Retries in Healthcheck cannot be negative");
  r.health_retries = 0;
  r.health_start_period = 5;
  CHECK(refused(r) == "StartPeriod in Healthcheck cannot be less than 1ms");
  r.health_start_period = 0;
  r.health_start_interval = 5;
  CHECK(refused(r) == "StartInterval in Healthcheck cannot be less than 1ms");
  r.health_start_interval = 0;
  r.no_healthcheck = true;
  CHECK(refused(r) == "--no-healthcheck conflicts with --health-* options");
}
