// Every seed and every regression input of the fuzz targets (tests/fuzz/), replayed
// through the same checks on every build: a fixed crasher never comes back unnoticed,
// with or without clang.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../../fuzz/targets.hpp"

namespace {

std::vector<std::string> inputs(const std::string& target) {
  std::vector<std::string> out;
  for (const char* kind : {"corpus", "regressions"}) {
    std::filesystem::path dir =
        std::filesystem::path(ASUP_SOURCE_DIR) / "tests/fuzz" / kind / target;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      out.push_back(bytes.str());
    }
  }
  return out;
}

void replay(const std::string& target, void (*one)(const std::uint8_t*, std::size_t)) {
  auto all = inputs(target);
  REQUIRE_FALSE(all.empty());
  for (const auto& input : all)
    one(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

}  // namespace

TEST_CASE("the hello fuzz inputs replay cleanly", "[control][fuzz]") {
  replay("hello", asup::fuzz::hello_one);
}

TEST_CASE("the request fuzz inputs replay cleanly", "[control][fuzz]") {
  replay("request", asup::fuzz::request_one);
}
