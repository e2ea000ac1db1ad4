// Docker's RAMInBytes: a decimal number, an optional space, an optional unit k m g t p
// (binary multiples) with an optional "i" and "b" after it, or a lone "b" ("512m", "512MB",
// "1.5 GiB", "100b").
#include <cctype>
#include <cstdint>
#include <limits>
#include <string>

#include "core/units.hpp"

namespace asup {
namespace {

auto invalid(const std::string& text) {
  return fail("invalid byte size \"" + text + "\" (expected a number with an optional unit b, " +
              "k, m or g, e.g. 512m)");
}

}  // namespace

Result<std::int64_t> parse_bytes(const std::string& text) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  std::size_t i = 0;
  const std::size_t n = text.size();
  // Integer and fraction digits are kept apart so "2.5k" is exactly 2560, not a float.
  std::uint64_t whole = 0;
  bool digits = false;
  for (; i < n && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    digits = true;
    if (whole > static_cast<std::uint64_t>(kMax) / 10)
      return fail(ERANGE, "parse byte size \"" + text + "\"");
    whole = whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  if (!digits) return invalid(text);
  std::uint64_t frac = 0, frac_scale = 1;
  if (i < n && text[i] == '.') {
    ++i;
    bool frac_digits = false;
    for (; i < n && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      frac_digits = true;
      // Digits beyond 10^18 cannot change the result by a whole byte below 2^63.
      if (frac_scale < 1000000000000000000ULL) {
        frac = frac * 10 + static_cast<std::uint64_t>(text[i] - '0');
        frac_scale *= 10;
      }
    }
    if (!frac_digits) return invalid(text);
  }
  if (i < n && text[i] == ' ') ++i;
  std::uint64_t unit = 1;
  if (i < n) {
    switch (std::tolower(static_cast<unsigned char>(text[i]))) {
      case 'k':
        unit = 1ULL << 10;
        break;
      case 'm':
        unit = 1ULL << 20;
        break;
      case 'g':
        unit = 1ULL << 30;
        break;
      case 't':
        unit = 1ULL << 40;
        break;
      case 'p':
        unit = 1ULL << 50;
        break;
      case 'b':
        break;
      default:
        return invalid(text);
    }
    if (unit != 1) {
      ++i;
      if (i < n && std::tolower(static_cast<unsigned char>(text[i])) == 'i') ++i;
      if (i < n && std::tolower(static_cast<unsigned char>(text[i])) == 'b') ++i;
    } else {
      ++i;  // the 'b'
    }
  }
  if (i != n) return invalid(text);
  if (whole > static_cast<std::uint64_t>(kMax) / unit)
    return fail(ERANGE, "parse byte size \"" + text + "\"");
  std::uint64_t bytes = whole * unit;
  // frac / frac_scale * unit without overflow: unit is a power of two up to 2^50 and
  // frac < frac_scale <= 10^18, so split the multiplication with 128-bit arithmetic.
  unsigned __int128 part = static_cast<unsigned __int128>(frac) * unit / frac_scale;
  if (bytes + part > static_cast<unsigned __int128>(kMax))
    return fail(ERANGE, "parse byte size \"" + text + "\"");
  return static_cast<std::int64_t>(bytes + static_cast<std::uint64_t>(part));
}

}  // namespace asup
