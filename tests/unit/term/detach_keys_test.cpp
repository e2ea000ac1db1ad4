#include <catch2/catch.hpp>

#include "term/detach_keys.hpp"

using namespace asup::term;

TEST_CASE("detach keys are spelled as Docker spells them", "[term][detach]") {
  CHECK(parse_detach_keys(kDefaultDetachKeys).value() == "\x10\x11");
  CHECK(parse_detach_keys("ctrl-a").value() == "\x01");
  CHECK(parse_detach_keys("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_").value() ==
        std::string("\x00\x1b\x1c\x1d\x1e\x1f", 6));
  CHECK(parse_detach_keys("a,b,DEL").value() == "ab\x7f");
  for (const char* bad : {"", "ctrl-", "ctrl-A", "ctrl-1", "ab", "a,,b", "del", "ctrl-p,"}) {
    INFO(bad);
    auto r = parse_detach_keys(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == std::string("Invalid detach keys (") + bad + ") provided");
  }
}

TEST_CASE("the detach sequence is caught across reads and held back", "[term][detach]") {
  DetachMatcher m{"\x10\x11"};
  auto a = m.feed("ls\x10");
  CHECK(a.forward == "ls");
  CHECK_FALSE(a.detach);
  auto b = m.feed(
      "\x11"
      "after");
  CHECK(b.forward.empty());
  CHECK(b.detach);
}

TEST_CASE("a broken sequence sends what was held back", "[term][detach]") {
  DetachMatcher m{"\x10\x11"};
  auto a = m.feed("\x10x");
  CHECK(a.forward == "\x10x");
  CHECK_FALSE(a.detach);
  // The breaking byte may itself start the sequence again.
  auto b = m.feed("\x10\x10\x11");
  CHECK(b.forward == "\x10");
  CHECK(b.detach);
}

TEST_CASE("no detach keys: everything goes through", "[term][detach]") {
  DetachMatcher m{""};
  auto a = m.feed("\x10\x11");
  CHECK(a.forward == "\x10\x11");
  CHECK_FALSE(a.detach);
}
