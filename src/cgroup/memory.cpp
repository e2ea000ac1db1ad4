#include "cgroup/memory.hpp"

#include <charconv>
#include <string>

#include "cgroup/control_file.hpp"
#include "core/fs.hpp"

namespace asup::cgroup::memory {

std::vector<Setting> settings(Version version, std::int64_t bytes,
                              std::optional<std::int64_t> limit_now) {
  std::string c{kController};
  if (version == Version::V1) {
    std::string value = bytes > 0 ? std::to_string(bytes) : "-1";
    // memsw limits memory + swap; setting it to the memory limit means "no swap", so a
    // hog is OOM-killed instead of swapped out (Docker's default is memory + swap = 2x
    // the limit). It exists only with swap accounting, hence optional.
    Setting limit{c, std::string{kLimitV1}, value};
    Setting memsw{c, std::string{kMemswLimitV1}, value, /*optional=*/true};
    bool raise = limit_now && (bytes <= 0 || bytes > *limit_now);
    if (raise) return {memsw, limit};
    return {limit, memsw};
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
