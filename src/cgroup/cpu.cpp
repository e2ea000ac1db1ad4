#include "cgroup/cpu.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace asup::cgroup::cpu {

Result<std::int64_t> quota_us(double cpus) {
  char shown[64];
  std::snprintf(shown, sizeof shown, "%g", cpus);
  if (!std::isfinite(cpus) || cpus <= 0) return fail(EINVAL, std::string("cpus ") + shown);
  double quota = std::round(cpus * static_cast<double>(kPeriodUs));
  if (quota > static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2))
    return fail(ERANGE, std::string("cpus ") + shown);
  auto q = static_cast<std::int64_t>(quota);
  if (q < kMinQuotaUs)
    return fail(EINVAL, std::string("cpus ") + shown + " is below the minimum of 0.01");
  return q;
}

Result<std::vector<Setting>> settings(Version version, double cpus) {
  std::string c{kController};
  std::string quota = "max";
  if (cpus > 0 || !std::isfinite(cpus)) {
    ASUP_TRY(auto q, quota_us(cpus));
    quota = std::to_string(q);
  }
  std::string period = std::to_string(kPeriodUs);
  if (version == Version::V1) {
    // The period first: the quota is checked against it (and against the parent's).
    return std::vector<Setting>{{c, std::string{kPeriodV1}, period},
                                {c, std::string{kQuotaV1}, quota == "max" ? "-1" : quota}};
  }
  return std::vector<Setting>{{c, std::string{kMaxV2}, quota + " " + period}};
}

}  // namespace asup::cgroup::cpu
