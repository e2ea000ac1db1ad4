#include "cgroup/blkio.hpp"

#include <algorithm>
#include <string>

namespace asup::cgroup::blkio {

std::int64_t io_weight_of(std::uint16_t weight) {
  std::int64_t w = std::clamp(weight, kMinWeight, kMaxWeight);
  return 1 + (w - kMinWeight) * 9999 / (kMaxWeight - kMinWeight);
}

std::vector<Setting> settings(Version version, std::uint16_t weight) {
  if (weight == 0) return {};
  std::string value = std::to_string(weight);
  if (version == Version::V1) {
    std::string c{kControllerV1};
    return {{c, std::string{kWeightV1}, value, /*optional=*/true},
            {c, std::string{kBfqWeightV1}, value, /*optional=*/true}};
  }
  std::string c{kControllerV2};
  return {{c, std::string{kWeightV2}, "default " + std::to_string(io_weight_of(weight)),
           /*optional=*/true},
          {c, std::string{kBfqWeightV2}, value, /*optional=*/true}};
}

}  // namespace asup::cgroup::blkio
