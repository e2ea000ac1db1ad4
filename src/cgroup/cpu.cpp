#include "cgroup/cpu.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>

namespace asup::cgroup::cpu {

Result<std::int64_t> quota_us(double cpus, std::int64_t period_us) {
  char shown[64];
  std::snprintf(shown, sizeof shown, "%g", cpus);
  if (!std::isfinite(cpus) || cpus <= 0) return fail(EINVAL, std::string("cpus ") + shown);
  double quota = std::round(cpus * static_cast<double>(period_us));
  if (quota > static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2))
    return fail(ERANGE, std::string("cpus ") + shown);
  auto q = static_cast<std::int64_t>(quota);
  if (q < kMinQuotaUs)
    return fail(EINVAL, std::string("cpus ") + shown + " is below the minimum of 0.01");
  return q;
}

std::int64_t weight_of_shares(std::int64_t shares) {
  shares = std::clamp(shares, kMinShares, kMaxShares);
  return 1 + ((shares - 2) * 9999) / 262142;
}

namespace {

// The quota to write, in microseconds; -1 for unlimited, nothing when none is set.
Result<std::optional<std::int64_t>> quota_of(const Limits& limits, std::int64_t period) {
  if (limits.cpu_quota)
    return std::optional<std::int64_t>(*limits.cpu_quota > 0 ? *limits.cpu_quota : -1);
  if (!limits.cpus) return std::optional<std::int64_t>();
  double cpus = *limits.cpus;
  if (cpus > 0 || !std::isfinite(cpus)) {
    ASUP_TRY(auto q, quota_us(cpus, period));
    return std::optional<std::int64_t>(q);
  }
  return std::optional<std::int64_t>(-1);
}

}  // namespace

Result<std::vector<Setting>> settings(Version version, const Limits& limits) {
  std::string c{kController};
  std::vector<Setting> out;
  if (limits.cpu_shares && *limits.cpu_shares > 0) {
    if (version == Version::V1)
      out.push_back({c, std::string{kSharesV1}, std::to_string(*limits.cpu_shares)});
    else
      out.push_back(
          {c, std::string{kWeightV2}, std::to_string(weight_of_shares(*limits.cpu_shares))});
  }
  // --cpus implies Docker's period, so that a quota computed for it means what it says.
  std::optional<std::int64_t> period = limits.cpu_period;
  if (!period && limits.cpus && !limits.cpu_quota) period = kPeriodUs;
  ASUP_TRY(auto quota, quota_of(limits, period.value_or(kPeriodUs)));
  if (version == Version::V1) {
    // The period first: the quota is checked against it (and against the parent's).
    if (period) out.push_back({c, std::string{kPeriodV1}, std::to_string(*period)});
    if (quota) out.push_back({c, std::string{kQuotaV1}, std::to_string(*quota)});
    if (limits.cpu_rt_period)
      out.push_back({c, std::string{kRtPeriodV1}, std::to_string(*limits.cpu_rt_period)});
    if (limits.cpu_rt_runtime)
      out.push_back({c, std::string{kRtRuntimeV1}, std::to_string(*limits.cpu_rt_runtime)});
    return out;
  }
  if (quota || period) {
    std::string value = quota && *quota > 0 ? std::to_string(*quota) : "max";
    if (period) value += " " + std::to_string(*period);
    out.push_back({c, std::string{kMaxV2}, value});
  }
  return out;
}

}  // namespace asup::cgroup::cpu
