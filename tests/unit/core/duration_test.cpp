#include <catch2/catch.hpp>

#include "core/duration.hpp"

using asup::format_go_duration;
using asup::parse_go_duration;

TEST_CASE("Go durations parse as time.ParseDuration does", "[duration]") {
  CHECK(parse_go_duration("0").value() == 0);
  CHECK(parse_go_duration("30s").value() == 30'000'000'000);
  CHECK(parse_go_duration("1m30s").value() == 90'000'000'000);
  CHECK(parse_go_duration("500ms").value() == 500'000'000);
  CHECK(parse_go_duration("2h").value() == 7'200'000'000'000);
  CHECK(parse_go_duration("1.5s").value() == 1'500'000'000);
  CHECK(parse_go_duration(".5s").value() == 500'000'000);
  CHECK(parse_go_duration("1h2m3s4ms5us6ns").value() == 3'723'004'005'006);
  CHECK(parse_go_duration("10\u00b5s").value() == 10'000);
  CHECK(parse_go_duration("-1.5s").value() == -1'500'000'000);
  CHECK(parse_go_duration("+2s").value() == 2'000'000'000);
  CHECK(parse_go_duration("0.000000001s").value() == 1);
}

TEST_CASE("bad durations get Go's texts", "[duration]") {
  CHECK(parse_go_duration("").error().message == "time: invalid duration \"\"");
  CHECK(parse_go_duration("abc").error().message == "time: invalid duration \"abc\"");
  CHECK(parse_go_duration("5").error().message == "time: missing unit in duration \"5\"");
  CHECK(parse_go_duration("5d").error().message == "time: unknown unit \"d\" in duration \"5d\"");
  CHECK(parse_go_duration("1s.").error().message == "time: invalid duration \"1s.\"");
  CHECK(parse_go_duration("-").error().message == "time: invalid duration \"-\"");
  CHECK(parse_go_duration(".s").error().message == "time: invalid duration \".s\"");
  CHECK(!parse_go_duration("9999999999h"));
  CHECK(!parse_go_duration("3000000h"));
}

TEST_CASE("durations print as Go's Duration.String", "[duration]") {
  CHECK(format_go_duration(0) == "0s");
  CHECK(format_go_duration(30'000'000'000) == "30s");
  CHECK(format_go_duration(90'000'000'000) == "1m30s");
  CHECK(format_go_duration(7'200'000'000'000) == "2h0m0s");
  CHECK(format_go_duration(1'500'000'000) == "1.5s");
  CHECK(format_go_duration(500'000'000) == "500ms");
  CHECK(format_go_duration(1'000'000) == "1ms");
  CHECK(format_go_duration(1'500) == "1.5\u00b5s");
  CHECK(format_go_duration(42) == "42ns");
  CHECK(format_go_duration(-1'500'000'000) == "-1.5s");
}
