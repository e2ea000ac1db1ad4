#include <catch2/catch.hpp>

#include "control/line_splitter.hpp"

using asup::control::LineSplitter;

namespace {

struct Collected {
  std::vector<std::string> lines;
  int oversized = 0;
};

void feed(LineSplitter& s, Collected& c, std::string_view bytes) {
  s.feed(
      bytes, [&](std::string_view l) { c.lines.emplace_back(l); }, [&] { ++c.oversized; });
}

}  // namespace

TEST_CASE("lines split across chunks are joined", "[control]") {
  LineSplitter s(100);
  Collected c;
  feed(s, c, "{\"op\":");
  feed(s, c, "\"ps\"}\n{\"op\":\"images\"}\npartial");
  REQUIRE(c.lines == std::vector<std::string>{"{\"op\":\"ps\"}", "{\"op\":\"images\"}"});
  feed(s, c, " end\n");
  CHECK(c.lines.back() == "partial end");
  CHECK(c.oversized == 0);
}

TEST_CASE("an oversized line is reported once and skipped to the next newline", "[control]") {
  LineSplitter s(8);
  Collected c;
  feed(s, c, "0123456789");
  feed(s, c, "abcdefgh");
  feed(s, c, "xyz\nok\n");
  CHECK(c.oversized == 1);
  CHECK(c.lines == std::vector<std::string>{"ok"});
}

TEST_CASE("empty lines pass through", "[control]") {
  LineSplitter s(8);
  Collected c;
  feed(s, c, "\n\nx\n");
  CHECK(c.lines == std::vector<std::string>{"", "", "x"});
}
