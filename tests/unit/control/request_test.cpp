// The envelope of a request: an object with a non-empty string "op", or an error that
// says what is wrong.
#include <catch2/catch.hpp>

#include "control/request.hpp"

using asup::control::parse_request;

TEST_CASE("a request is an object with a string op", "[control][request]") {
  auto r = parse_request(R"({"op":"ps","all":true})");
  REQUIRE(r);
  CHECK(r.value().op == "ps");
  CHECK(r.value().body["all"] == true);
}

TEST_CASE("malformed requests are refused with a message", "[control][request]") {
  struct Case {
    std::string line, message;
  };
  for (const auto& c : std::vector<Case>{
           {"", "not a JSON object"},
           {"not json", "not a JSON object"},
           {"[1,2]", "not a JSON object"},
           {"\"ps\"", "not a JSON object"},
           {"{\"type\":\"ps\"}", "no \"op\""},
           {"{\"op\":1}", "\"op\" is not a string"},
           {"{\"op\":null}", "\"op\" is not a string"},
           {"{\"op\":[\"ps\"]}", "\"op\" is not a string"},
           {"{\"op\":{}}", "\"op\" is not a string"},
           {"{\"op\":\"\"}", "\"op\" is empty"},
       }) {
    INFO("line: " << c.line);
    auto r = parse_request(c.line);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "malformed request: " + c.message);
  }
}
