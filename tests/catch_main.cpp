// Catch2's main, with skipped tests reported to ctest (tests/skip.hpp).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>

#include "skip.hpp"

namespace asup::testing {
namespace {
bool skipped = false;
}  // namespace

void mark_skipped(const std::string& why) {
  skipped = true;
  WARN("skipped: " + why);
  std::fprintf(stderr, "SKIPPED: %s\n", why.c_str());
}

bool any_skipped() {
  return skipped;
}

}  // namespace asup::testing

int main(int argc, char* argv[]) {
  int failed = Catch::Session().run(argc, argv);
  if (failed == 0 && asup::testing::any_skipped()) return asup::testing::kSkipReturnCode;
  return failed;
}
