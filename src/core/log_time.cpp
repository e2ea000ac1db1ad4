// Docker's client tries, in order: a Go duration; a layout chosen by the value's shape
// (a '.', a 'T', the number of ':', a zone or not) and parsed as Go's time.Parse does;
// Unix seconds. Go's parser is followed element by element so a malformed date gets the
// same text as under Docker: `parsing time "2026-13-01": month out of range`.
#include "core/log_time.hpp"

#include <time.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "core/duration.hpp"

namespace asup {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

bool digit_at(std::string_view s, std::size_t i) {
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}

struct Civil {
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  std::int64_t nanos = 0;
  bool zoned = false;
  long offset_s = 0;
};

// One run of time.Parse over `layout`, whose elements are those of the layouts below.
class GoParse {
 public:
  GoParse(std::string_view layout, std::string_view value) : layout_(layout), value_(value) {}

  Result<Civil> run() {
    std::string_view rest = value_;
    std::string_view lay = layout_;
    while (!lay.empty()) {
      static constexpr std::array<std::string_view, 8> kElements = {
          "2006", "01", "02", "15", "04", "05", ".999999999", "Z07:00"};
      auto elem = std::find_if(kElements.begin(), kElements.end(),
                               [&](std::string_view e) { return lay.starts_with(e); });
      if (elem == kElements.end()) {  // a literal: '-', 'T' or ':'
        if (rest.empty() || rest[0] != lay[0]) return fail(cannot(rest, lay.substr(0, 1)));
        rest.remove_prefix(1);
        lay.remove_prefix(1);
        continue;
      }
      lay.remove_prefix(elem->size());
      ASUP_TRY(element(*elem, rest, lay));
    }
    if (!rest.empty())
      return fail("parsing time \"" + std::string(value_) + "\": extra text: \"" +
                  std::string(rest) + "\"");
    static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (c_.year % 4 == 0 && c_.year % 100 != 0) || c_.year % 400 == 0;
    int days = c_.month == 2 && !leap ? 28 : kDays[static_cast<std::size_t>(c_.month - 1)];
    if (c_.day < 1 || c_.day > days) return fail(out_of_range("day"));
    return c_;
  }

 private:
  Result<void> element(std::string_view elem, std::string_view& rest, std::string_view lay) {
    if (elem == "2006") {
      if (rest.size() < 4 || !std::all_of(rest.begin(), rest.begin() + 4,
                                          [](char ch) { return ch >= '0' && ch <= '9'; }))
        return fail(cannot(rest, elem));
      c_.year = number(rest, 4);
      return ok();
    }
    if (elem == ".999999999") {  // optional: only when a '.' and a digit follow
      if (rest.size() < 2 || (rest[0] != '.' && rest[0] != ',') || !digit_at(rest, 1)) return ok();
      fraction(rest);
      return ok();
    }
    if (elem == "Z07:00") return zone(rest);
    // Two digits; the hour may have one.
    if (!digit_at(rest, 0) || (elem != "15" && !digit_at(rest, 1))) return fail(cannot(rest, elem));
    int n = number(rest, digit_at(rest, 1) ? 2 : 1);
    if (elem == "01") {
      c_.month = n;
      if (n < 1 || n > 12) return fail(out_of_range("month"));
    } else if (elem == "02") {
      c_.day = n;
    } else if (elem == "15") {
      c_.hour = n;
      if (n > 23) return fail(out_of_range("hour"));
    } else if (elem == "04") {
      c_.minute = n;
      if (n > 59) return fail(out_of_range("minute"));
    } else {
      c_.second = n;
      if (n > 59) return fail(out_of_range("second"));
      // Go takes a fraction after the seconds even where the layout has none.
      if (!lay.starts_with(".") && rest.size() >= 2 && (rest[0] == '.' || rest[0] == ',') &&
          digit_at(rest, 1))
        fraction(rest);
    }
    return ok();
  }

  Result<void> zone(std::string_view& rest) {
    if (!rest.empty() && rest[0] == 'Z') {
      rest.remove_prefix(1);
      c_.zoned = true;
      return ok();
    }
    if (rest.size() < 6 || rest[3] != ':' || (rest[0] != '+' && rest[0] != '-') ||
        !digit_at(rest, 1) || !digit_at(rest, 2) || !digit_at(rest, 4) || !digit_at(rest, 5))
      return fail(cannot(rest, "Z07:00"));
    long hours = (rest[1] - '0') * 10 + (rest[2] - '0');
    long minutes = (rest[4] - '0') * 10 + (rest[5] - '0');
    c_.zoned = true;
    c_.offset_s = (rest[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
    rest.remove_prefix(6);
    return ok();
  }

  // The separator and every digit after it; digits past the ninth are ignored.
  void fraction(std::string_view& rest) {
    std::size_t n = 1;
    while (digit_at(rest, n)) ++n;
    std::int64_t nanos = 0;
    for (std::size_t i = 1; i < 10; ++i) nanos = nanos * 10 + (i < n ? rest[i] - '0' : 0);
    c_.nanos = nanos;
    rest.remove_prefix(n);
  }

  static int number(std::string_view& rest, std::size_t digits) {
    int n = 0;
    for (std::size_t i = 0; i < digits; ++i) n = n * 10 + (rest[i] - '0');
    rest.remove_prefix(digits);
    return n;
  }

  Error cannot(std::string_view rest, std::string_view elem) const {
    return Error{0, "parsing time \"" + std::string(value_) + "\" as \"" + std::string(layout_) +
                        "\": cannot parse \"" + std::string(rest) + "\" as \"" + std::string(elem) +
                        "\""};
  }
  Error out_of_range(const char* what) const {
    return Error{0, "parsing time \"" + std::string(value_) + "\": " + what + " out of range"};
  }

  std::string_view layout_, value_;
  Civil c_;
};

// The layout Docker's client picks for a value's shape.
std::string_view layout_for(std::string_view value, bool local) {
  if (value.find('.') != std::string_view::npos)
    return local ? "2006-01-02T15:04:05.999999999" : "2006-01-02T15:04:05.999999999Z07:00";
  if (value.find('T') != std::string_view::npos) {
    auto colons = std::count(value.begin(), value.end(), ':');
    // A numeric zone's colon is not the time's.
    if (!local && value.find_first_of("zZ") == std::string_view::npos && colons > 0) --colons;
    if (colons == 0) return local ? "2006-01-02T15" : "2006-01-02T15Z07:00";
    if (colons == 1) return local ? "2006-01-02T15:04" : "2006-01-02T15:04Z07:00";
    return local ? "2006-01-02T15:04:05" : "2006-01-02T15:04:05Z07:00";
  }
  return local ? "2006-01-02" : "2006-01-02Z07:00";
}

std::int64_t unix_ns(const Civil& c, long local_offset_s) {
  struct tm tm {};
  tm.tm_year = c.year - 1900;
  tm.tm_mon = c.month - 1;
  tm.tm_mday = c.day;
  tm.tm_hour = c.hour;
  tm.tm_min = c.minute;
  tm.tm_sec = c.second;
  std::int64_t secs = ::timegm(&tm) - (c.zoned ? c.offset_s : local_offset_s);
  return secs * kSecond + c.nanos;
}

// "SECONDS[.FRACTION]", as strconv.ParseInt takes each part.
Result<std::int64_t> unix_seconds(std::string_view value) {
  auto dot = value.find('.');
  std::string_view secs = value.substr(0, dot);
  auto digits_only = [](std::string_view s) {
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
    return !s.empty() && s.size() <= 18 &&
           std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  };
  if (!digits_only(secs)) return fail("");
  std::int64_t whole = std::stoll(std::string(secs));
  std::int64_t nanos = 0;
  if (dot != std::string_view::npos) {
    std::string_view frac = value.substr(dot + 1);
    if (!digits_only(frac) || frac[0] == '+' || frac[0] == '-') return fail("");
    for (std::size_t i = 0; i < 9; ++i) nanos = nanos * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  }
  return whole * kSecond + (whole < 0 ? -nanos : nanos);
}

}  // namespace

Result<std::int64_t> parse_log_time(const std::string& value, std::int64_t now_ns,
                                    long local_offset_s) {
  if (value != "0") {
    if (auto d = parse_go_duration(value)) {
      // Docker sends the result as whole Unix seconds.
      std::int64_t t = now_ns - d.value();
      std::int64_t secs = t / kSecond - (t % kSecond < 0 ? 1 : 0);
      return secs * kSecond;
    }
  }
  std::string_view v = value;
  const bool local =
      v.find_first_of("zZ+") == std::string_view::npos && std::count(v.begin(), v.end(), '-') != 3;
  auto parsed = GoParse(layout_for(v, local), v).run();
  if (parsed) return unix_ns(parsed.value(), local_offset_s);
  // With a '-' it was meant as a date: Go's text says what is wrong with it.
  if (v.find('-') != std::string_view::npos) return fail(parsed.error());
  if (auto secs = unix_seconds(v)) return secs.value();
  return fail("failed to parse value as time or duration: \"" + value + "\"");
}

}  // namespace asup
