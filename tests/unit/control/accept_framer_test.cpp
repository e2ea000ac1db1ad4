// The accept FIFO's framing: a stray write without a newline never costs the next client
// its hello, whether it arrives in the same read or an earlier one.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "control/accept_framer.hpp"
#include "control/hello.hpp"

using asup::control::AcceptFramer;
using asup::control::find_hello;

namespace {

const std::string kClients = "/run/asup/clients";
const std::string kHello =
    R"({"hello":1,"pid":42,"replies":"/run/asup/clients/c.42.x/rep","requests":"/run/asup/clients/c.42.x/req"})";

struct Collected {
  std::vector<std::string> lines;
  std::size_t stale = 0;
  // The pids of the hellos found in the lines, as the server would accept them.
  std::vector<int> pids() const {
    std::vector<int> out;
    for (const auto& l : lines)
      if (auto h = find_hello(l, kClients)) out.push_back(h.value().pid);
    return out;
  }
};

void feed(AcceptFramer& f, Collected& c, std::string_view chunk) {
  f.feed(
      chunk, [&](std::string_view l) { c.lines.emplace_back(l); },
      [&](std::size_t n) { c.stale += n; });
}

}  // namespace

TEST_CASE("a fragment left by an earlier read is dropped when a hello starts a read",
          "[control][framer]") {
  // printf garbage > asupd.fifo; asupctl ps
  AcceptFramer f(4096);
  Collected c;
  feed(f, c, "garbage");
  feed(f, c, kHello + "\n");
  CHECK(c.stale == 7);
  CHECK(c.lines == std::vector<std::string>{kHello});
  CHECK(c.pids() == std::vector<int>{42});
}

TEST_CASE("a hello behind a stray write in the same read is found", "[control][framer]") {
  AcceptFramer f(4096);
  Collected c;
  feed(f, c, "garbage" + kHello + "\n" + kHello + "\n");
  CHECK(c.stale == 0);
  CHECK(c.pids() == std::vector<int>{42, 42});
}

TEST_CASE("an oversized stray write keeps only its tail, so a hello after it survives",
          "[control][framer]") {
  AcceptFramer f(4096);
  Collected c;
  feed(f, c, std::string(100000, 'x') + kHello + "\n");
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0].size() == 4096);
  CHECK(c.pids() == std::vector<int>{42});

  Collected d;
  feed(f, d, std::string(10000, 'y'));
  feed(f, d, std::string(10000, 'y'));
  feed(f, d, kHello + "\n");
  CHECK(d.stale == 20000);
  CHECK(d.pids() == std::vector<int>{42});
}

TEST_CASE("a line split across reads is joined when the rest does not start a hello",
          "[control][framer]") {
  AcceptFramer f(4096);
  Collected c;
  feed(f, c, kHello.substr(0, 20));
  feed(f, c, kHello.substr(20) + "\n");
  CHECK(c.stale == 0);
  CHECK(c.pids() == std::vector<int>{42});
}

TEST_CASE("stray newlines and lines pass through as lines that hold no hello",
          "[control][framer]") {
  AcceptFramer f(4096);
  Collected c;
  feed(f, c, "\n\njunk\n" + kHello + "\n");
  CHECK(c.lines.size() == 4);
  CHECK(c.pids() == std::vector<int>{42});
}
