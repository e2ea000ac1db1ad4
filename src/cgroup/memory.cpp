#include "cgroup/memory.hpp"

#include <string>

#include "cgroup/control_file.hpp"

namespace asup::cgroup::memory {

std::vector<Setting> settings(Version version, std::int64_t bytes) {
  std::string c{kController};
  if (version == Version::V1) {
    std::string value = bytes > 0 ? std::to_string(bytes) : "-1";
    // memsw limits memory + swap; setting it to the memory limit means "no swap", so a
    // hog is OOM-killed instead of swapped out (Docker's default is memory + swap = 2x
    // the limit). It exists only with swap accounting, hence optional. The memory limit
    // is written first: the kernel refuses memsw below it, and a fresh group starts with
    // both unlimited.
    return {{c, std::string{kLimitV1}, value},
            {c, std::string{kMemswLimitV1}, value, /*optional=*/true}};
  }
  // memory.swap.max is absent without swap accounting (CONFIG_MEMCG_SWAP or
  // swapaccount=0); with no swap there is nothing to limit then.
  return {{c, std::string{kMaxV2}, bytes > 0 ? std::to_string(bytes) : "max"},
          {c, std::string{kSwapMaxV2}, bytes > 0 ? "0" : "max", /*optional=*/true}};
}

bool oom_kill_reported(std::string_view text) {
  auto n = keyed_value(text, "oom_kill");
  return n && *n > 0;
}

}  // namespace asup::cgroup::memory
