#include "api/security_options.hpp"
#include "core/strings.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace asup::api {
namespace {

struct UlimitName {
  std::string_view name;
  int resource;
};

// go-units' ulimitNameMapping.
constexpr UlimitName kUlimits[] = {
    {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},         {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS},       {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},     {"nproc", RLIMIT_NPROC},
    {"rss", RLIMIT_RSS},           {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

// Go's strconv.ParseInt(text, 10, 64), with its error texts.
Result<std::int64_t> parse_int(std::string_view text) {
  const std::string s{text};
  auto syntax = [&] { return fail("strconv.ParseInt: parsing \"" + s + "\": invalid syntax"); };
  std::size_t digits_from = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (s.size() == digits_from) return syntax();
  for (std::size_t i = digits_from; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return syntax();
  errno = 0;
  long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (errno == ERANGE) return fail("strconv.ParseInt: parsing \"" + s + "\": value out of range");
  return static_cast<std::int64_t>(v);
}

}  // namespace

int ulimit_resource(std::string_view name) {
  for (const auto& u : kUlimits)
    if (u.name == name) return u.resource;
  return -1;
}

Result<Ulimit> parse_ulimit(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) return fail("invalid ulimit argument: " + std::string{text});
  Ulimit u;
  u.name = std::string{text.substr(0, eq)};
  if (ulimit_resource(u.name) < 0) return fail("invalid ulimit type: " + u.name);
  const std::string_view values = text.substr(eq + 1);
  auto parts = split(values, ':');
  if (parts.size() > 2)
    return fail("too many limit value arguments - " + std::string{values} +
                ", can only have up to two, `soft[:hard]`");
  // Go's order: the hard value is parsed (and fails) first.
  if (parts.size() == 2) {
    ASUP_TRY(u.hard, parse_int(parts[1]));
  }
  ASUP_TRY(u.soft, parse_int(parts[0]));
  if (parts.size() == 1) u.hard = u.soft;
  if (u.hard != -1 && u.soft > u.hard)
    return fail("ulimit soft limit must be less than or equal to hard limit: " +
                std::to_string(u.soft) + " > " + std::to_string(u.hard));
  return u;
}

Status check_sysctl(std::string_view text) {
  static constexpr std::string_view kKeys[] = {
      "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
      "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
  static constexpr std::string_view kPrefixes[] = {"net.", "fs.mqueue."};
  const auto eq = text.find('=');
  const std::string_view key = text.substr(0, eq);
  auto refuse = [&] { return fail("sysctl '" + std::string{text} + "' is not allowed"); };
  if (eq == std::string_view::npos || key.empty()) return refuse();
  for (auto k : kKeys)
    if (key == k) return ok();
  for (auto p : kPrefixes)
    if (key.size() > p.size() && key.substr(0, p.size()) == p) return ok();
  return refuse();
}

}  // namespace asup::api
