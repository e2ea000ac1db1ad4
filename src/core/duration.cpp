// Go's time.ParseDuration and Duration.String, so that what a user types for Docker means
// the same here and what the daemon prints reads as Docker's. Numbers are parsed as an
// integer part and a fraction scaled separately: "1.5s" is exactly 1500000000 ns.
#include "core/duration.hpp"

#include <cctype>
#include <limits>
#include <string_view>

namespace asup {
namespace {

constexpr std::int64_t kMicro = 1000, kMilli = 1000 * kMicro, kSecond = 1000 * kMilli,
                       kMinute = 60 * kSecond, kHour = 60 * kMinute;

// Nanoseconds in one of Go's units, 0 for an unknown unit.
std::int64_t unit_ns(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return kMicro;
  if (unit == "ms") return kMilli;
  if (unit == "s") return kSecond;
  if (unit == "m") return kMinute;
  if (unit == "h") return kHour;
  return 0;
}

auto invalid(const std::string& text) {
  return fail("time: invalid duration \"" + text + "\"");
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

Result<std::int64_t> parse_go_duration(const std::string& text) {
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 63;  // |min int64|
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::int64_t{0};
  if (s.empty()) return invalid(text);
  std::uint64_t total = 0;
  while (!s.empty()) {
    if (!(is_digit(s[0]) || s[0] == '.')) return invalid(text);
    // The integer part, then the fraction kept as digits and a scale.
    std::uint64_t whole = 0;
    std::size_t i = 0;
    bool any = false;
    for (; i < s.size() && is_digit(s[i]); ++i, any = true) {
      if (whole > (kLimit - 9) / 10) return invalid(text);
      whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
    }
    std::uint64_t frac = 0, scale = 1;
    if (i < s.size() && s[i] == '.') {
      for (++i; i < s.size() && is_digit(s[i]); ++i, any = true) {
        if (scale > std::numeric_limits<std::uint64_t>::max() / 100) continue;  // past ns
        frac = frac * 10 + static_cast<std::uint64_t>(s[i] - '0');
        scale *= 10;
      }
    }
    if (!any) return invalid(text);
    s.remove_prefix(i);
    std::size_t u = 0;
    while (u < s.size() && s[u] != '.' && !is_digit(s[u])) ++u;
    if (u == 0) return fail("time: missing unit in duration \"" + text + "\"");
    const std::string_view unit = s.substr(0, u);
    const std::int64_t per = unit_ns(unit);
    if (per == 0)
      return fail("time: unknown unit \"" + std::string(unit) + "\" in duration \"" + text + "\"");
    s.remove_prefix(u);
    const auto unit_size = static_cast<std::uint64_t>(per);
    if (whole > kLimit / unit_size) return invalid(text);
    std::uint64_t value = whole * unit_size;
    // frac/scale of a unit, in ns; a long fraction of an hour cannot overflow long double.
    value += static_cast<std::uint64_t>(static_cast<long double>(frac) * unit_size / scale);
    total += value;
    if (value > kLimit || total > kLimit) return invalid(text);
  }
  if (!negative && total == kLimit) return invalid(text);
  return negative ? static_cast<std::int64_t>(0 - total) : static_cast<std::int64_t>(total);
}

namespace {

// `v` as a decimal with `digits` fractional digits, trailing zeros (and a bare dot) cut.
std::string fixed(std::uint64_t v, int digits) {
  std::uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string out = std::to_string(v / scale);
  std::uint64_t frac = v % scale;
  if (frac == 0) return out;
  std::string f = std::to_string(frac);
  f.insert(0, static_cast<std::size_t>(digits) - f.size(), '0');
  while (!f.empty() && f.back() == '0') f.pop_back();
  return out + "." + f;
}

}  // namespace

std::string format_go_duration(std::int64_t ns) {
  if (ns == 0) return "0s";
  const bool negative = ns < 0;
  std::uint64_t u = negative ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  std::string out;
  if (u < static_cast<std::uint64_t>(kSecond)) {
    // Below a second Go picks the largest unit that keeps a non-zero integer part.
    if (u < static_cast<std::uint64_t>(kMicro))
      out = std::to_string(u) + "ns";
    else if (u < static_cast<std::uint64_t>(kMilli))
      out = fixed(u, 3) + "\u00b5s";
    else
      out = fixed(u, 6) + "ms";
  } else {
    const std::uint64_t hours = u / kHour, minutes = u % kHour / kMinute;
    const std::uint64_t rest = u % kMinute;
    if (hours > 0) out += std::to_string(hours) + "h";
    if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
    out += fixed(rest, 9) + "s";
  }
  return negative ? "-" + out : out;
}

}  // namespace asup
