#include "template/builtins.hpp"

#include <map>

#include "template/go_format.hpp"

namespace asup::tmpl {
namespace {

using nlohmann::json;

Value text(std::string s) {
  return Value{json(std::move(s))};
}
Value boolean(bool b) {
  return Value{json(b)};
}

enum class Basic { nil, boolean, integer, floating, string, other };

Basic basic(const Value& v) {
  if (v.missing || v.json.is_null()) return Basic::nil;
  if (v.json.is_boolean()) return Basic::boolean;
  if (v.json.is_number_integer()) return Basic::integer;
  if (v.json.is_number_float()) return Basic::floating;
  if (v.json.is_string()) return Basic::string;
  return Basic::other;
}

Result<bool> equal(const Value& a, const Value& b) {
  Basic ka = basic(a), kb = basic(b);
  if (ka == Basic::nil || kb == Basic::nil) return ka == kb;
  if (ka != kb) return fail("incompatible types for comparison");
  switch (ka) {
    case Basic::integer:
      return a.json.get<std::int64_t>() == b.json.get<std::int64_t>();
    case Basic::other:
      return fail("non-comparable type " + go_print(a) + ": " + go_type(a));
    default:
      return a.json == b.json;
  }
}

Result<bool> less(const Value& a, const Value& b) {
  Basic ka = basic(a), kb = basic(b);
  if (ka == Basic::nil || ka == Basic::boolean || ka == Basic::other)
    return fail("invalid type for comparison");
  if (ka != kb) return fail("incompatible types for comparison");
  if (ka == Basic::integer) return a.json.get<std::int64_t>() < b.json.get<std::int64_t>();
  return a.json < b.json;
}

Result<Value> eq(const std::vector<Value>& args) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    ASUP_TRY(bool same, equal(args[0], args[i]));
    if (same) return boolean(true);
  }
  return boolean(false);
}

Result<Value> index(const std::vector<Value>& args) {
  Value item = args[0];
  for (std::size_t i = 1; i < args.size(); ++i) {
    const Value& key = args[i];
    if (item.missing || item.json.is_null()) return fail("index of untyped nil");
    if (item.json.is_array() || item.json.is_string()) {
      if (!key.json.is_number_integer() || key.missing)
        return fail("cannot index slice/array with type " + go_type(key));
      auto at = key.json.get<std::int64_t>();
      std::size_t size =
          item.json.is_array() ? item.json.size() : item.json.get<std::string>().size();
      if (at < 0 || static_cast<std::size_t>(at) >= size)
        return fail("index out of range: " + std::to_string(at));
      if (item.json.is_array())
        item = Value{item.json[at]};
      else
        item = Value{json(static_cast<unsigned char>(item.json.get<std::string>()[at]))};
    } else if (item.json.is_object()) {
      if (!key.json.is_string() || key.missing)
        return fail("value has type " + go_type(key) + "; should be string");
      auto found = item.json.find(key.json.get<std::string>());
      item = found == item.json.end() ? Value::none() : Value{*found};
    } else {
      return fail("can't index item of type " + go_type(item));
    }
  }
  return item;
}

Result<Value> slice(const std::vector<Value>& args) {
  const Value& item = args[0];
  if (item.missing || item.json.is_null()) return fail("slice of untyped nil");
  bool is_string = item.json.is_string();
  if (!is_string && !item.json.is_array()) return fail("can't slice item of type " + go_type(item));
  if (args.size() > (is_string ? 3 : 4))
    return fail("too many slice indexes: " + std::to_string(args.size() - 1));
  std::size_t size = is_string ? item.json.get<std::string>().size() : item.json.size();
  std::vector<std::int64_t> at{0, static_cast<std::int64_t>(size)};
  for (std::size_t i = 1; i < args.size() && i <= 2; ++i) {
    if (!args[i].json.is_number_integer())
      return fail("cannot index slice/array with type " + go_type(args[i]));
    at[i - 1] = args[i].json.get<std::int64_t>();
  }
  if (at[0] < 0 || at[1] > static_cast<std::int64_t>(size) || at[0] > at[1])
    return fail("index out of range: " + std::to_string(at[0] < 0 ? at[0] : at[1]));
  if (is_string) return text(item.json.get<std::string>().substr(at[0], at[1] - at[0]));
  json out = json::array();
  for (auto i = at[0]; i < at[1]; ++i) out.push_back(item.json[i]);
  return Value{out};
}

Result<Value> length(const std::vector<Value>& args) {
  const Value& v = args[0];
  if (v.missing || v.json.is_null()) return fail("len of nil pointer");
  if (v.json.is_string()) return Value{json(v.json.get<std::string>().size())};
  if (v.json.is_array() || v.json.is_object()) return Value{json(v.json.size())};
  return fail("len of type " + go_type(v));
}

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  if (sep.empty()) {
    for (std::size_t i = 0; i < s.size();) {
      std::size_t n = 1;
      while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xc0) == 0x80) ++n;
      out.push_back(s.substr(i, n));
      i += n;
    }
    return out;
  }
  std::size_t start = 0;
  for (std::size_t at; (at = s.find(sep, start)) != std::string::npos; start = at + sep.size())
    out.push_back(s.substr(start, at - start));
  out.push_back(s.substr(start));
  return out;
}

// strings.Title: the first letter of every word in upper case.
std::string title(std::string s) {
  char prev = ' ';
  for (auto& c : s) {
    auto u = static_cast<unsigned char>(prev);
    bool separator = u < 0x80 && !std::isalnum(u) && prev != '_';
    if (separator) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    prev = c;
  }
  return s;
}

std::string map_ascii(std::string s, int (*fn)(int)) {
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x80)
      c = static_cast<char>(fn(static_cast<unsigned char>(c)));
  return s;
}

const std::string& str(const Value& v) {
  return v.json.get_ref<const std::string&>();
}
std::int64_t integer(const Value& v) {
  return v.json.get<std::int64_t>();
}

Result<Value> compare(const std::vector<Value>& a, bool want_less, bool or_equal) {
  ASUP_TRY(bool lt, less(a[0], a[1]));
  if (lt) return boolean(want_less);
  ASUP_TRY(bool same, equal(a[0], a[1]));
  if (same) return boolean(or_equal);
  return boolean(!want_less);
}

const std::map<std::string, Builtin>& functions() {
  using P = Param;
  static const std::map<std::string, Builtin> table{
      {"not", {{P::any}, false, [](auto& a) -> Result<Value> { return boolean(!go_truth(a[0])); }}},
      {"len", {{P::any}, false, length}},
      {"index", {{P::any, P::any}, true, index}},
      {"slice", {{P::any, P::any}, true, slice}},
      {"print",
       {{P::any}, true, [](auto& a) -> Result<Value> { return text(go_sprint_all(a, false)); }}},
      {"println",
       {{P::any}, true, [](auto& a) -> Result<Value> { return text(go_sprint_all(a, true)); }}},
      {"printf",
       {{P::string, P::any},
        true,
        [](auto& a) -> Result<Value> {
          return text(go_sprintf(str(a[0]), std::vector<Value>(a.begin() + 1, a.end())));
        }}},
      {"eq", {{P::any, P::any}, true, eq}},
      {"ne",
       {{P::any, P::any},
        false,
        [](auto& a) -> Result<Value> {
          ASUP_TRY(bool same, equal(a[0], a[1]));
          return boolean(!same);
        }}},
      {"lt", {{P::any, P::any}, false, [](auto& a) { return compare(a, true, false); }}},
      {"le", {{P::any, P::any}, false, [](auto& a) { return compare(a, true, true); }}},
      {"gt", {{P::any, P::any}, false, [](auto& a) { return compare(a, false, false); }}},
      {"ge", {{P::any, P::any}, false, [](auto& a) { return compare(a, false, true); }}},
      // Docker's functions (docker/cli templates).
      {"json", {{P::any}, false, [](auto& a) -> Result<Value> { return text(go_json(a[0])); }}},
      {"split",
       {{P::string, P::string},
        false,
        [](auto& a) -> Result<Value> { return Value{json(split(str(a[0]), str(a[1])))}; }}},
      {"join",
       {{P::strings, P::string},
        false,
        [](auto& a) -> Result<Value> {
          std::string out;
          for (std::size_t i = 0; i < a[0].json.size(); ++i)
            out += (i ? str(a[1]) : "") + a[0].json[i].template get<std::string>();
          return text(out);
        }}},
      {"title",
       {{P::string}, false, [](auto& a) -> Result<Value> { return text(title(str(a[0]))); }}},
      {"lower",
       {{P::string},
        false,
        [](auto& a) -> Result<Value> { return text(map_ascii(str(a[0]), ::tolower)); }}},
      {"upper",
       {{P::string},
        false,
        [](auto& a) -> Result<Value> { return text(map_ascii(str(a[0]), ::toupper)); }}},
      {"pad",
       {{P::string, P::integer, P::integer},
        false,
        [](auto& a) -> Result<Value> {
          if (str(a[0]).empty()) return a[0];
          auto before = std::max<std::int64_t>(0, integer(a[1]));
          auto after = std::max<std::int64_t>(0, integer(a[2]));
          return text(std::string(before, ' ') + str(a[0]) + std::string(after, ' '));
        }}},
      {"truncate",
       {{P::string, P::integer},
        false,
        [](auto& a) -> Result<Value> {
          auto n = integer(a[1]);
          if (n < 0) return fail("slice bounds out of range [:" + std::to_string(n) + "]");
          if (str(a[0]).size() < static_cast<std::size_t>(n)) return a[0];
          return text(str(a[0]).substr(0, n));
        }}},
  };
  return table;
}

// A table header is the column names: Docker's header set leaves them as they are.
const std::map<std::string, Builtin>& header_functions() {
  using P = Param;
  static const std::map<std::string, Builtin> table = [] {
    auto first = [](auto& a) -> Result<Value> { return a[0]; };
    std::map<std::string, Builtin> t;
    for (const char* one : {"json", "title", "lower", "upper"}) t[one] = {{P::any}, false, first};
    for (const char* two : {"split", "join", "truncate"}) t[two] = {{P::any, P::any}, false, first};
    return t;
  }();
  return table;
}

}  // namespace

bool is_function(const std::string& name) {
  return name == "and" || name == "or" || functions().count(name) > 0;
}

const Builtin* find_builtin(const std::string& name, bool header) {
  if (header)
    if (auto it = header_functions().find(name); it != header_functions().end()) return &it->second;
  auto it = functions().find(name);
  return it == functions().end() ? nullptr : &it->second;
}

}  // namespace asup::tmpl
