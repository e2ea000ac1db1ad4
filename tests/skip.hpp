// Catch2 v2 has no SKIP: a test that cannot run marks itself skipped and returns, and the
// test program then exits with kSkipReturnCode, which ctest (SKIP_RETURN_CODE) reports as
// "Skipped" instead of "Passed". A failure elsewhere in the run still wins.
#pragma once

#include <string>

namespace asup::testing {

inline constexpr int kSkipReturnCode = 77;
void mark_skipped(const std::string& why);
bool any_skipped();

}  // namespace asup::testing

// Returns from the enclosing test case (or section), so everything it made so far is
// cleaned up by its destructors.
#define ASUP_SKIP(why)                  \
  do {                                  \
    ::asup::testing::mark_skipped(why); \
    return;                             \
  } while (0)
