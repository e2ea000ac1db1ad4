#include <catch2/catch.hpp>

#include "core/units.hpp"

using asup::parse_bytes;

TEST_CASE("parse_bytes: Docker's units", "[core]") {
  struct Case {
    const char* text;
    std::int64_t bytes;
  };
  const Case cases[] = {
      {"0", 0},
      {"1048576", 1048576},
      {"100b", 100},
      {"100B", 100},
      {"1k", 1024},
      {"1K", 1024},
      {"2.5k", 2560},
      {"512m", 536870912},
      {"512M", 536870912},
      {"512mb", 536870912},
      {"512MiB", 536870912},
      {"64m", 67108864},
      {"1g", 1073741824},
      {"1.5g", 1610612736},
      {"1.5 GiB", 1610612736},
      {"0.5m", 524288},
      {"1.0000000001k", 1024},
      {"2t", 2199023255552},
      {"8191p", 8191LL << 50},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto r = parse_bytes(c.text);
    REQUIRE(r);
    CHECK(r.value() == c.bytes);
  }
}

TEST_CASE("parse_bytes: bad input is an error naming the input", "[core]") {
  for (const char* text : {"", "m", "abc", "-1", "-1m", "1x", "1.", ".5m", "1..5m", "1.2.3", "1mm",
                           "1 m b x", "1  m", " 1m", "1m ", "1e3", "0x10", "1bb"}) {
    INFO(text);
    auto r = parse_bytes(text);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().describe(), Catch::Contains("\"" + std::string(text) + "\""));
  }
}

TEST_CASE("parse_bytes: overflow is an error", "[core]") {
  CHECK_FALSE(parse_bytes("9223372036854775808"));
  CHECK_FALSE(parse_bytes("8192p"));
  CHECK_FALSE(parse_bytes("99999999999999999999999"));
  auto max = parse_bytes("9223372036854775807");
  REQUIRE(max);
  CHECK(max.value() == 9223372036854775807LL);
}
