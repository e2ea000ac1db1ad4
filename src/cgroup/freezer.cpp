#include "cgroup/freezer.hpp"

#include <time.h>

#include <algorithm>

#include "cgroup/control_file.hpp"
#include "core/fs.hpp"

namespace asup::cgroup::freezer {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kThawedV1 = "THAWED";
constexpr std::string_view kFrozenV1 = "FROZEN";

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  return text;
}

void sleep_for(std::chrono::nanoseconds d) {
  struct timespec ts {
    static_cast<time_t>(d.count() / 1000000000), static_cast<long>(d.count() % 1000000000)
  };
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

Status freeze_v1(const std::string& dir, bool kernel_files, const std::string& name,
                 std::chrono::milliseconds timeout) {
  const std::string file = fs::join(dir, kStateV1);
  int round = 0;
  auto frozen = [&]() -> Result<bool> {
    // FROZEN is written on every round, not once: a v1 group that gains a task (a fork, a
    // join) while FREEZING can stay FREEZING until the state is written again, and every
    // tenth round thaws first so that racing forks can finish (runc learned both the hard
    // way; the kernel's v1 docs once told userspace to retry or thaw).
    if (++round % 10 == 0) {
      ASUP_TRY(write_control_file(file, kThawedV1, !kernel_files));
    }
    ASUP_TRY(write_control_file(file, kFrozenV1, !kernel_files));
    ASUP_TRY(auto text, fs::read_file(file));
    ASUP_TRY(auto now, parse_v1_state(text));
    return now == FreezerState::Frozen;
  };
  auto done = wait_until(frozen, timeout);
  if (done && done.value()) return ok();
  (void)write_control_file(file, kThawedV1, !kernel_files);
  if (!done) return fail(done.error().wrap("freeze " + name));
  return fail(ETIMEDOUT, "freeze " + name + ": timed out: " + file +
                             " did not read FROZEN within " + std::to_string(timeout.count()) +
                             " ms");
}

Result<bool> frozen_v2(const std::string& events_file) {
  ASUP_TRY(auto text, fs::read_file(events_file));
  auto frozen = keyed_value(text, "frozen");
  return frozen && *frozen == 1;
}

Status freeze_v2(const std::string& dir, bool kernel_files, const std::string& name,
                 std::chrono::milliseconds timeout) {
  const std::string file = fs::join(dir, kFreezeV2);
  const std::string events = fs::join(dir, kEventsV2);
  auto written = write_control_file(file, "1", !kernel_files);
  if (!written && written.error().code == ENOENT)
    return fail(ENOTSUP, "freeze " + name + ": " + dir +
                             " has no cgroup.freeze (the cgroup2 freezer needs Linux 5.2)");
  if (!written) return fail(written.error().wrap("freeze " + name));
  auto done = wait_until([&] { return frozen_v2(events); }, timeout);
  if (done && done.value()) return ok();
  (void)write_control_file(file, "0", !kernel_files);
  if (!done) return fail(done.error().wrap("freeze " + name));
  return fail(ETIMEDOUT, "freeze " + name + ": timed out: " + events +
                             " did not report frozen within " + std::to_string(timeout.count()) +
                             " ms");
}

}  // namespace

Status freeze(Version version, const std::string& dir, bool kernel_files, const std::string& name,
              std::chrono::milliseconds timeout) {
  if (version == Version::V1) return freeze_v1(dir, kernel_files, name, timeout);
  return freeze_v2(dir, kernel_files, name, timeout);
}

Status thaw(Version version, const std::string& dir, bool kernel_files) {
  // Thawing takes effect at once on both versions: there is no THAWING to wait out.
  const bool v1 = version == Version::V1;
  auto r = write_control_file(fs::join(dir, v1 ? kStateV1 : kFreezeV2), v1 ? kThawedV1 : "0",
                              !kernel_files);
  if (!r && r.error().code == ENOENT) return ok();
  return r;
}

Result<FreezerState> state(Version version, const std::string& dir) {
  const bool v1 = version == Version::V1;
  auto text = fs::read_file(fs::join(dir, v1 ? kStateV1 : kFreezeV2));
  if (!text && text.error().code == ENOENT) return FreezerState::Thawed;
  if (!text) return fail(text.error());
  if (v1) return parse_v1_state(text.value());
  // cgroup.freeze says what was asked; cgroup.events whether the kernel got there.
  if (trimmed(text.value()) != "1") return FreezerState::Thawed;
  ASUP_TRY(auto frozen, frozen_v2(fs::join(dir, kEventsV2)));
  return frozen ? FreezerState::Frozen : FreezerState::Freezing;
}

Result<FreezerState> parse_v1_state(std::string_view text) {
  auto word = trimmed(text);
  if (word == kThawedV1) return FreezerState::Thawed;
  if (word == "FREEZING") return FreezerState::Freezing;
  if (word == kFrozenV1) return FreezerState::Frozen;
  return fail(EINVAL, "unknown freezer state \"" + std::string{word} + "\"");
}

Result<bool> wait_until(const std::function<Result<bool>()>& done,
                        std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::chrono::nanoseconds pause = std::chrono::milliseconds{1};
  for (;;) {
    ASUP_TRY(bool reached, done());
    if (reached) return true;
    auto now = Clock::now();
    if (now >= deadline) return false;
    sleep_for(std::min<std::chrono::nanoseconds>(pause, deadline - now));
    pause = std::min<std::chrono::nanoseconds>(pause * 2, std::chrono::milliseconds{10});
  }
}

}  // namespace asup::cgroup::freezer
