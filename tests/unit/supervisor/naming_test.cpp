#include <signal.h>

#include <catch2/catch.hpp>
#include <set>

#include "supervisor/naming.hpp"
#include "supervisor/signals.hpp"

using namespace asup::supervisor;

TEST_CASE("container ids are 64 lowercase hex chars and distinct", "[naming]") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_container_id();
    REQUIRE(id.size() == 64);
    REQUIRE(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("generated names avoid taken ones", "[naming]") {
  std::set<std::string> taken;
  for (int i = 0; i < 200; ++i) {
    auto n = new_container_name([&](const std::string& s) { return taken.count(s) > 0; });
    REQUIRE(taken.insert(n).second);
  }
}

TEST_CASE("containers match by id, name, then unique prefix", "[naming]") {
  std::vector<NameAndId> all{{"abc123" + std::string(58, '0'), "web"},
                             {"abd456" + std::string(58, '0'), "db"},
                             {"ffff00" + std::string(58, '0'), "abc"}};
  CHECK(match_container("web", all).value() == all[0].id);
  CHECK(match_container("/db", all).value() == all[1].id);
  CHECK(match_container("abc", all).value() == all[2].id);  // a name beats a prefix
  CHECK(match_container("abc1", all).value() == all[0].id);
  CHECK(match_container(all[1].id, all).value() == all[1].id);
  auto ambiguous = match_container("ab", all);
  REQUIRE_FALSE(ambiguous);
  CHECK(ambiguous.error().message.find("multiple") != std::string::npos);
  auto missing = match_container("zzz", all);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "No such container: zzz");
}

TEST_CASE("signals parse by name, SIG name, number and realtime offset", "[signals]") {
  CHECK(parse_signal("TERM").value() == SIGTERM);
  CHECK(parse_signal("sigkill").value() == SIGKILL);
  CHECK(parse_signal("9").value() == 9);
  CHECK(parse_signal("SIGRTMIN+3").value() == SIGRTMIN + 3);
  CHECK(parse_signal("RTMAX-1").value() == SIGRTMAX - 1);
  CHECK_FALSE(parse_signal("NOPE"));
  CHECK_FALSE(parse_signal("0"));
  CHECK_FALSE(parse_signal("SIGRTMIN+99"));
  CHECK_FALSE(parse_signal(""));
}
