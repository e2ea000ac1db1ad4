#include "template/go_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace asup::tmpl {
namespace {

using nlohmann::json;

std::size_t rune_count(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) ++n;
  return n;
}

// The first `runes` characters of s.
std::string_view runes_prefix(std::string_view s, std::size_t runes) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) {
      if (n == runes) return s.substr(0, i);
      ++n;
    }
  }
  return s;
}

// Go's %v of a float64 (strconv's shortest 'g'): the fewest digits that read back the same,
// in %e form when the exponent is below -4 or at least 6 (1e+06, 1.5e-05, 123456).
std::string float_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  auto e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  int exp = std::stoi(sci.substr(e + 1));
  bool negative = mantissa[0] == '-';
  std::string digits;
  for (char c : mantissa)
    if (c >= '0' && c <= '9') digits += c;
  std::string out = negative ? "-" : "";
  int ndigits = static_cast<int>(digits.size());
  if (exp < -4 || exp >= 6) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return out + ebuf;
  }
  if (exp < 0) return out + "0." + std::string(-exp - 1, '0') + digits;
  if (ndigits <= exp + 1) return out + digits + std::string(exp + 1 - ndigits, '0');
  return out + digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
}

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  int width = -1, precision = -1;
  char verb = 'v';
};

std::string pad(std::string s, const Spec& spec, bool numeric) {
  if (spec.width < 0) return s;
  std::size_t n = rune_count(s);
  if (n >= static_cast<std::size_t>(spec.width)) return s;
  std::size_t fill = spec.width - n;
  if (spec.minus) return s + std::string(fill, ' ');
  if (spec.zero && numeric) {
    std::size_t sign = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    return s.substr(0, sign) + std::string(fill, '0') + s.substr(sign);
  }
  return std::string(fill, ' ') + s;
}

std::string bad_verb(const Spec& spec, const Value& v) {
  if (v.missing || v.json.is_null()) return std::string("%!") + spec.verb + "(<nil>)";
  return std::string("%!") + spec.verb + "(" + go_type(v) + "=" + go_sprint(v.json) + ")";
}

std::string integer_text(std::int64_t n, const Spec& spec) {
  int base = 10;
  switch (spec.verb) {
    case 'x':
    case 'X':
      base = 16;
      break;
    case 'o':
      base = 8;
      break;
    case 'b':
      base = 2;
      break;
  }
  std::uint64_t magnitude = n < 0 ? 0 - static_cast<std::uint64_t>(n) : n;
  char buf[80];
  auto r = std::to_chars(buf, buf + sizeof buf, magnitude, base);
  std::string digits(buf, r.ptr);
  if (spec.verb == 'X')
    for (auto& c : digits) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (spec.precision >= 0 && digits.size() < static_cast<std::size_t>(spec.precision))
    digits = std::string(spec.precision - digits.size(), '0') + digits;
  if (spec.sharp && base == 16) digits = (spec.verb == 'X' ? "0X" : "0x") + digits;
  if (spec.sharp && base == 8) digits = "0" + digits;
  std::string sign = n < 0 ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  return sign + digits;
}

std::string float_verb(double d, const Spec& spec) {
  char fmt[16];
  int precision = spec.precision;
  if (spec.verb == 'g' || spec.verb == 'G') {
    if (precision < 0) {
      std::string s = float_text(d);
      if (spec.plus && d >= 0) s = "+" + s;
      return s;
    }
  }
  if (precision < 0) precision = 6;
  std::snprintf(fmt, sizeof fmt, "%%%s%s.*%c", spec.plus ? "+" : "", spec.sharp ? "#" : "",
                spec.verb == 'F' ? 'f' : spec.verb);
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, precision, d);
  return buf;
}

// One verb applied to one argument.
std::string format_one(const Spec& spec, const Value& v) {
  const json& j = v.json;
  bool nil = v.missing || j.is_null();
  switch (spec.verb) {
    case 'v':
      return pad(
          nil ? "<nil>"
              : (spec.plus && j.is_number() && j.get<double>() >= 0 ? "+" : "") + go_sprint(j),
          spec, j.is_number());
    case 'T':
      return pad(nil ? "<nil>" : go_type(v), spec, false);
    case 's':
    case 'q': {
      if (j.is_string()) {
        std::string s = j.get<std::string>();
        if (spec.precision >= 0) s = std::string(runes_prefix(s, spec.precision));
        return pad(spec.verb == 'q' ? go_quote(s) : s, spec, false);
      }
      if (spec.verb == 's' && j.is_array()) {
        std::string out = "[";
        for (std::size_t i = 0; i < j.size(); ++i)
          out += (i ? " " : "") + format_one(spec, Value{j[i]});
        return pad(out + "]", spec, false);
      }
      if (spec.verb == 'q' && j.is_number_integer())
        return pad("'" + utf8_of(j.get<std::int64_t>()) + "'", spec, false);
      return bad_verb(spec, v);
    }
    case 't':
      if (j.is_boolean()) return pad(j.get<bool>() ? "true" : "false", spec, false);
      return bad_verb(spec, v);
    case 'd':
    case 'o':
    case 'b':
    case 'x':
    case 'X':
      if (j.is_number_integer()) return pad(integer_text(j.get<std::int64_t>(), spec), spec, true);
      if ((spec.verb == 'x' || spec.verb == 'X') && j.is_string()) {
        std::string hex;
        char buf[4];
        for (unsigned char c : j.get<std::string>()) {
          std::snprintf(buf, sizeof buf, spec.verb == 'x' ? "%02x" : "%02X", c);
          hex += buf;
        }
        return pad(hex, spec, false);
      }
      return bad_verb(spec, v);
    case 'c':
      if (j.is_number_integer()) return pad(utf8_of(j.get<std::int64_t>()), spec, false);
      return bad_verb(spec, v);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      if (j.is_number_float()) return pad(float_verb(j.get<double>(), spec), spec, true);
      return bad_verb(spec, v);
    default:
      return bad_verb(spec, v);
  }
}

}  // namespace

std::string utf8_of(std::int64_t cp) {
  std::string out;
  auto c = static_cast<unsigned long>(cp);
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
  return out;
}

std::string go_sprint(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "<nil>";
    case json::value_t::string:
      return value.get<std::string>();
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
      return std::to_string(value.get<std::int64_t>());
    case json::value_t::number_unsigned:
      return std::to_string(value.get<std::uint64_t>());
    case json::value_t::number_float:
      return float_text(value.get<double>());
    case json::value_t::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < value.size(); ++i) out += (i ? " " : "") + go_sprint(value[i]);
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (auto& [k, v] : value.items()) {
        out += (first ? "" : " ") + k + ":" + go_sprint(v);
        first = false;
      }
      return out + "]";
    }
    default:
      return value.dump();
  }
}

std::string go_print(const Value& value) {
  return value.missing ? "<no value>" : go_sprint(value.json);
}

std::string go_type(const Value& value) {
  if (value.missing) return "<nil>";
  switch (value.json.type()) {
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "int";
    case json::value_t::number_float:
      return "float64";
    case json::value_t::array:
      return "[]interface {}";
    case json::value_t::object:
      return "map[string]interface {}";
    default:
      return "interface {}";
  }
}

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\a':
        out += "\\a";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\v':
        out += "\\v";
        continue;
    }
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    // A well-formed multi-byte character passes through; a stray byte is escaped.
    int extra = c >= 0xf0 && c < 0xf8 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : -1;
    bool whole = extra > 0;
    for (int k = 1; whole && k <= extra; ++k)
      whole = i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (!whole) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      continue;
    }
    out += s.substr(i, extra + 1);
    i += extra;
  }
  return out + "\"";
}

std::string go_json(const Value& value) {
  if (value.missing) return "null";
  return value.json.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string go_sprintf(std::string_view format, const std::vector<Value>& args) {
  std::string out;
  std::size_t next = 0;
  auto int_arg = [&](int& into) {
    if (next < args.size() && args[next].json.is_number_integer())
      into = static_cast<int>(args[next].json.get<std::int64_t>());
    else
      out += "%!(BADWIDTH)";
    ++next;
  };
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    Spec spec;
    ++i;
    for (; i < format.size(); ++i) {
      char c = format[i];
      if (c == '-')
        spec.minus = true;
      else if (c == '+')
        spec.plus = true;
      else if (c == '#')
        spec.sharp = true;
      else if (c == ' ')
        spec.space = true;
      else if (c == '0')
        spec.zero = !spec.minus;
      else
        break;
    }
    if (i < format.size() && format[i] == '*') {
      int_arg(spec.width);
      if (spec.width < 0) {
        spec.minus = true;
        spec.width = -spec.width;
      }
      ++i;
    } else {
      for (; i < format.size() && std::isdigit(static_cast<unsigned char>(format[i])); ++i)
        spec.width = (spec.width < 0 ? 0 : spec.width * 10) + (format[i] - '0');
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = 0;
      if (i < format.size() && format[i] == '*') {
        int_arg(spec.precision);
        ++i;
      } else {
        for (; i < format.size() && std::isdigit(static_cast<unsigned char>(format[i])); ++i)
          spec.precision = spec.precision * 10 + (format[i] - '0');
      }
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    spec.verb = format[i];
    if (spec.verb == '%') {
      out += '%';
      continue;
    }
    if (next >= args.size()) {
      out += std::string("%!") + spec.verb + "(MISSING)";
      continue;
    }
    out += format_one(spec, args[next++]);
  }
  if (next < args.size()) {
    out += "%!(EXTRA ";
    for (std::size_t k = next; k < args.size(); ++k)
      out += (k > next ? ", " : "") + go_type(args[k]) + "=" + go_print(args[k]);
    out += ")";
  }
  return out;
}

std::string go_sprint_all(const std::vector<Value>& args, bool line) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool is_string = args[i].json.is_string() && !args[i].missing;
    bool prev_string = i > 0 && args[i - 1].json.is_string() && !args[i - 1].missing;
    if (i > 0 && (line || (!is_string && !prev_string))) out += ' ';
    out += args[i].missing ? "<nil>" : go_sprint(args[i].json);
  }
  return line ? out + "\n" : out;
}

bool go_truth(const Value& value) {
  if (value.missing) return false;
  const json& j = value.json;
  switch (j.type()) {
    case json::value_t::null:
      return false;
    case json::value_t::boolean:
      return j.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return j.get<std::int64_t>() != 0;
    case json::value_t::number_float:
      return j.get<double>() != 0;
    case json::value_t::string:
      return !j.get_ref<const std::string&>().empty();
    case json::value_t::array:
    case json::value_t::object:
      return !j.empty();
    default:
      return true;
  }
}

}  // namespace asup::tmpl
