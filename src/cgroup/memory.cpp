#include "cgroup/memory.hpp"

#include <charconv>
#include <string>

#include "cgroup/control_file.hpp"
#include "core/fs.hpp"

namespace asup::cgroup::memory {

namespace {

std::string bytes_or(std::int64_t bytes, const char* unlimited) {
  return bytes > 0 ? std::to_string(bytes) : unlimited;
}

void settings_v1(const Limits& l, std::optional<std::int64_t> limit_now,
                 std::vector<Setting>& out) {
  std::string c{kController};
  std::optional<std::int64_t> memsw;  // -1: unlimited
  if (l.memory_swap && *l.memory_swap != 0)
    memsw = *l.memory_swap > 0 ? *l.memory_swap : -1;
  else if (l.memory_bytes)
    // memsw limits memory + swap; setting it to the memory limit means "no swap", so a
    // hog is OOM-killed instead of swapped out.
    memsw = *l.memory_bytes > 0 ? *l.memory_bytes : -1;
  // memsw exists only with swap accounting, hence optional.
  std::optional<Setting> limit, memsw_setting;
  if (l.memory_bytes) limit = Setting{c, std::string{kLimitV1}, bytes_or(*l.memory_bytes, "-1")};
  if (memsw)
    memsw_setting =
        Setting{c, std::string{kMemswLimitV1}, std::to_string(*memsw), /*optional=*/true};
  bool memsw_first = limit_now && memsw && (*memsw < 0 || *memsw > *limit_now);
  if (memsw_first && memsw_setting) out.push_back(*memsw_setting);
  if (limit) out.push_back(*limit);
  if (!memsw_first && memsw_setting) out.push_back(*memsw_setting);
  if (l.memory_reservation)
    out.push_back({c, std::string{kSoftLimitV1}, bytes_or(*l.memory_reservation, "-1")});
  if (l.oom_kill_disable)
    out.push_back({c, std::string{kOomControlV1}, *l.oom_kill_disable ? "1" : "0"});
  if (l.memory_swappiness)
    out.push_back({c, std::string{kSwappinessV1}, std::to_string(*l.memory_swappiness)});
}

// memory.swap.max for a --memory-swap of `swap` bytes over a memory limit of `memory`.
Result<std::string> swap_max(std::int64_t swap, std::optional<std::int64_t> memory) {
  if (swap < 0) return std::string("max");
  if (!memory || *memory <= 0)
    return fail(EINVAL,
                "You should always set the Memory limit when using Memoryswap limit, see usage");
  if (swap < *memory)
    return fail(EINVAL, "Minimum memoryswap limit should be larger than memory limit, see usage");
  return std::to_string(swap - *memory);
}

Status settings_v2(const Limits& l, std::optional<std::int64_t> limit_now,
                   std::vector<std::string>* warnings, std::vector<Setting>& out) {
  std::string c{kController};
  if (l.memory_bytes) out.push_back({c, std::string{kMaxV2}, bytes_or(*l.memory_bytes, "max")});
  // memory.swap.max is absent without swap accounting (CONFIG_MEMCG_SWAP or
  // swapaccount=0); with no swap there is nothing to limit then.
  if (l.memory_swap && *l.memory_swap != 0) {
    ASUP_TRY(auto value, swap_max(*l.memory_swap, l.memory_bytes ? l.memory_bytes : limit_now));
    out.push_back({c, std::string{kSwapMaxV2}, value, /*optional=*/true});
  } else if (l.memory_bytes) {
    out.push_back(
        {c, std::string{kSwapMaxV2}, *l.memory_bytes > 0 ? "0" : "max", /*optional=*/true});
  }
  if (l.memory_reservation)
    out.push_back({c, std::string{kLowV2}, bytes_or(*l.memory_reservation, "0")});
  if (l.oom_kill_disable && *l.oom_kill_disable && warnings)
    warnings->emplace_back(kOomKillDisableWarning);
  return ok();
}

}  // namespace

Result<std::vector<Setting>> settings(Version version, const Limits& limits,
                                      std::optional<std::int64_t> limit_now,
                                      std::vector<std::string>* warnings) {
  std::vector<Setting> out;
  if (version == Version::V1) {
    settings_v1(limits, limit_now, out);
  } else {
    ASUP_TRY(settings_v2(limits, limit_now, warnings, out));
  }
  return out;
}

bool oom_kill_reported(std::string_view text) {
  auto n = keyed_value(text, "oom_kill");
  return n && *n > 0;
}

bool caps_usage(const Setting& s) {
  return s.controller == kController &&
         (s.file == kLimitV1 || s.file == kMemswLimitV1 || s.file == kMaxV2);
}

namespace {

std::string usage_file(Version version, const std::string& dir) {
  return fs::join(dir, version == Version::V1 ? kUsageV1 : kCurrentV2);
}

}  // namespace

Status check_usage(Version version, const Setting& setting, const std::string& dir) {
  if (version != Version::V2 || setting.controller != kController || setting.file != kMaxV2 ||
      setting.value == "max")
    return ok();
  std::int64_t limit = 0;
  const auto& v = setting.value;
  if (std::from_chars(v.data(), v.data() + v.size(), limit).ec != std::errc{}) return ok();
  auto usage = read_number(usage_file(version, dir));
  if (usage && usage.value() > limit) return fail(below_usage(version, setting, dir));
  return ok();
}

Error below_usage(Version version, const Setting& setting, const std::string& dir) {
  std::string message =
      "Cannot update container memory: the limit of " + setting.value + " bytes is below ";
  auto usage = read_number(usage_file(version, dir));
  message += usage ? "the " + std::to_string(usage.value()) + " bytes the container uses now"
                   : "what the container uses now";
  return Error{EBUSY, message + ", in " + dir};
}

}  // namespace asup::cgroup::memory
