#include <catch2/catch.hpp>

#include "core/log_time.hpp"

using asup::parse_log_time;

namespace {

constexpr std::int64_t kS = 1'000'000'000;
// 2026-12-07T17:34:29.5Z
constexpr std::int64_t kNow = 1'796'664'869 * kS + 500'000'000;

std::int64_t at(const std::string& v, long local_offset = 0) {
  auto t = parse_log_time(v, kNow, local_offset);
  REQUIRE(t);
  return t.value();
}

std::string error(const std::string& v) {
  auto t = parse_log_time(v, kNow, 0);
  REQUIRE_FALSE(t);
  return t.error().message;
}

}  // namespace

TEST_CASE("log times: Go durations count back from now to the whole second", "[log_time]") {
  CHECK(at("10m") == kNow - kNow % kS - 600 * kS);
  CHECK(at("1h30m") == kNow - kNow % kS - 5400 * kS);
  CHECK(at("1.5s") == 1'796'664'868 * kS);
  CHECK(at("-1m") == (1'796'664'869 + 60) * kS);  // the future
}

TEST_CASE("log times: RFC 3339 in each form Docker's client takes", "[log_time]") {
  CHECK(at("2026-12-07T17:34:29.123456789Z") == 1'796'664'869 * kS + 123'456'789);
  CHECK(at("2026-12-07T17:34:29Z") == 1'796'664'869 * kS);
  CHECK(at("2026-12-07T17:34:29.5Z") == 1'796'664'869 * kS + 500'000'000);
  CHECK(at("2026-12-07T18:34:29+01:00") == 1'796'664'869 * kS);
  CHECK(at("2026-12-07T16:34:29.25-01:00") == 1'796'664'869 * kS + 250'000'000);
  CHECK(at("2026-12-07T17:34Z") == 1'796'664'840 * kS);
  CHECK(at("2026-12-07T17Z") == 1'796'662'800 * kS);
  CHECK(at("2026-12-07Z") == 1'796'601'600 * kS);
  CHECK(at("2026-12-07+02:00") == 1'796'601'600 * kS - 7200 * kS);
}

TEST_CASE("log times: without a zone a time is local", "[log_time]") {
  CHECK(at("2026-12-07T17:34:29", 3600) == 1'796'664'869 * kS - 3600 * kS);
  CHECK(at("2026-12-07T17:34:29.000000001", 0) == 1'796'664'869 * kS + 1);
  CHECK(at("2026-12-07T17:34", 0) == 1'796'664'840 * kS);
  CHECK(at("2026-12-07T17", 0) == 1'796'662'800 * kS);
  CHECK(at("2026-12-07", -7200) == 1'796'601'600 * kS + 7200 * kS);
}

TEST_CASE("log times: Unix seconds with an optional fraction", "[log_time]") {
  CHECK(at("1796664869") == 1'796'664'869 * kS);
  CHECK(at("1796664869.5") == 1'796'664'869 * kS + 500'000'000);
  CHECK(at("1796664869.000000001") == 1'796'664'869 * kS + 1);
  CHECK(at("0") == 0);
}

TEST_CASE("log times: bad values get Docker's and Go's texts", "[log_time]") {
  CHECK(error("abc") == "failed to parse value as time or duration: \"abc\"");
  CHECK(error("13:50") == "failed to parse value as time or duration: \"13:50\"");
  CHECK(error("7d") == "failed to parse value as time or duration: \"7d\"");
  CHECK(error("") == "failed to parse value as time or duration: \"\"");
  CHECK(error("2026-13-01") == "parsing time \"2026-13-01\": month out of range");
  CHECK(error("2026-02-30") == "parsing time \"2026-02-30\": day out of range");
  CHECK(error("2026-12-07T25:00:00Z") ==
        "parsing time \"2026-12-07T25:00:00Z\": hour out of range");
  CHECK(error("2026/12/07-") ==
        "parsing time \"2026/12/07-\" as \"2006-01-02\": cannot parse \"/12/07-\" as \"-\"");
  CHECK(error("2026-12-07x") == "parsing time \"2026-12-07x\": extra text: \"x\"");
  CHECK(error("2026-12-07T17:34:29+0100") ==
        "parsing time \"2026-12-07T17:34:29+0100\" as \"2006-01-02T15:04Z07:00\": cannot "
        "parse \":29+0100\" as \"Z07:00\"");
}
