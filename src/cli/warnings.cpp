#include "cli/warnings.hpp"

#include <cstdio>

namespace asup::cli {

void print_warning(const api::Notice& notice) {
  if (notice.warning) std::fprintf(stderr, "WARNING: %s\n", notice.warning->c_str());
}

}  // namespace asup::cli
