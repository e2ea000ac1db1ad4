// What one fuzz input must not break, shared by the libFuzzer entry points
// (tools/fuzz-control) and by the unit test that replays the corpus and the regressions
// on every build. The parsers under test are the real ones, linked in, not copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "control/accept_framer.hpp"
#include "control/hello.hpp"
#include "control/request.hpp"

namespace asup::fuzz {

inline constexpr std::string_view kClientsDir = "/run/asup/clients";

// A failed expectation is a crash, so that libFuzzer keeps the input.
inline void expect(bool condition) {
  if (!condition) std::abort();
}

inline bool plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

inline void check_hello(std::string_view line) {
  auto hello = control::find_hello(line, kClientsDir);
  if (!hello) return;
  const auto& h = hello.value();
  expect(h.version > 0 && h.pid > 0);
  expect(plain_name(h.dir) && plain_name(h.requests) && plain_name(h.replies));
  expect(h.requests != h.replies);
}

// The bytes as reads of the accept FIFO: the first byte chooses where the input is cut
// into reads, then every line the framer hands on goes through find_hello.
inline void hello_one(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check_hello(input);
  if (input.empty()) return;
  std::size_t step = static_cast<unsigned char>(input.front()) % 64 + 1;
  input.remove_prefix(1);
  control::AcceptFramer framer(4096);
  std::size_t lines = 0;
  while (!input.empty()) {
    std::string_view chunk = input.substr(0, step);
    input.remove_prefix(chunk.size());
    framer.feed(
        chunk,
        [&](std::string_view line) {
          expect(line.size() <= 4096);
          ++lines;
          check_hello(line);
        },
        [](std::size_t stale) { expect(stale > 0); });
  }
  (void)lines;
}

inline void request_one(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto request = control::parse_request(line);
  if (!request) {
    expect(request.error().message.rfind("malformed request: ", 0) == 0);
    return;
  }
  const auto& r = request.value();
  expect(!r.op.empty());
  expect(r.body.is_object());
  auto op = r.body.find("op");
  expect(op != r.body.end() && op->is_string() && op->get<std::string>() == r.op);
}

}  // namespace asup::fuzz
