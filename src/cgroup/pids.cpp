#include "cgroup/pids.hpp"

#include <string>

namespace asup::cgroup::pids {

std::vector<Setting> settings(Version, std::int64_t limit) {
  return {{std::string{kController}, std::string{kMax},
           limit > 0 ? std::to_string(limit) : std::string("max")}};
}

}  // namespace asup::cgroup::pids
