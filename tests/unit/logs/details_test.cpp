#include <catch2/catch.hpp>

#include "logs/details.hpp"

using asup::logs::log_details;

TEST_CASE("flag --details: the attributes the log options name, as Docker prints them",
          "[logs][details]") {
  std::map<std::string, std::string> labels = {
      {"com.example.team", "web ops"}, {"tier", "front"}, {"unnamed", "x"}};
  std::vector<std::string> env = {"REGION=eu-west", "PATH=/bin", "EMPTY=", "NOEQ"};
  CHECK(log_details(labels, env, {}).empty());
  CHECK(log_details(labels, env, {{"labels", "tier,com.example.team,missing"}}) ==
        "com.example.team=web+ops,tier=front");
  CHECK(log_details(labels, env, {{"labels", "tier"}, {"env", "REGION,EMPTY,NOEQ"}}) ==
        "EMPTY=,REGION=eu-west,tier=front");
  CHECK(log_details(labels, env, {{"env-regex", "^REG"}, {"labels-regex", "un"}}) ==
        "REGION=eu-west,unnamed=x");
  CHECK(log_details({{"a/b", "c&d=e"}}, {}, {{"labels", "a/b"}}) == "a%2Fb=c%26d%3De");
  CHECK(log_details(labels, env, {{"max-size", "1m"}}).empty());
}
