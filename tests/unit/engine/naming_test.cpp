#include <signal.h>

#include <catch2/catch.hpp>
#include <set>

#include "engine/naming.hpp"
#include "engine/signals.hpp"

using namespace asup::engine;

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

TEST_CASE("names and aliases follow Docker's rule: nothing else reaches a hosts file", "[naming]") {
  CHECK(parse_container_name("web").value() == "web");
  CHECK(parse_container_name("/web-1.a_b").value() == "web-1.a_b");
  for (const char* bad : {"a", "-web", ".web", "_web", "we b", "web\n6.6.6.6 evil", "a/b", "w:1",
                          "", "/", "we\tb", "caf\xc3\xa9"}) {
    INFO(bad);
    auto r = parse_container_name(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed") !=
          std::string::npos);
    // One line, whatever was typed.
    CHECK(r.error().message.find('\n') == std::string::npos);
  }
  CHECK(parse_container_name(std::string(kMaxNameLength, 'a')));
  CHECK_FALSE(parse_container_name(std::string(kMaxNameLength + 1, 'a')));
  CHECK(check_name("network alias", "x"));
  CHECK(check_name("network alias", "db.store"));
  auto alias = check_name("network alias", "x\n6.6.6.6 evil.example");
  REQUIRE_FALSE(alias);
  CHECK(alias.error().message ==
        "Invalid network alias name (x\\n6.6.6.6 evil.example), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
        "are allowed");
}

TEST_CASE("host names follow RFC 1123 and the kernel's length", "[naming]") {
  for (const char* good : {"box", "a", "web-1", "x.example.com", "1abc", "A-B.c"}) {
    INFO(good);
    CHECK(check_hostname(good));
  }
  for (const char* bad : {"", "-box", "box-", "a..b", ".a", "a.", "under_score", "a b",
                          "x\n6.6.6.6 evil", "caf\xc3\xa9"}) {
    INFO(bad);
    auto r = check_hostname(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.rfind("invalid hostname \"", 0) == 0);
    CHECK(r.error().message.find('\n') == std::string::npos);
  }
  CHECK(check_hostname(std::string(63, 'a')));
  CHECK_FALSE(check_hostname(std::string(64, 'a')));  // a label of 64
  CHECK(check_hostname(std::string(31, 'a') + "." + std::string(32, 'b')));
  CHECK_FALSE(check_hostname(std::string(32, 'a') + "." + std::string(32, 'b')));  // 65 in all
}
