#include "volume/filters.hpp"

#include <map>
#include <regex>
#include <set>

namespace asup::volume {
namespace {

LabelTerm label_term(const std::string& value) {
  auto eq = value.find('=');
  if (eq == std::string::npos) return {value, std::nullopt};
  return {value.substr(0, eq), value.substr(eq + 1)};
}

bool label_matches(const LabelTerm& term, const Volume& v) {
  auto it = v.labels.find(term.key);
  if (it == v.labels.end()) return false;
  return !term.value || *term.value == it->second;
}

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

// Docker's GetBoolOrDefault for dangling: one value, true/false (any case) or 1/0.
Result<bool> dangling_value(const std::vector<std::string>& values) {
  auto error = [&] { return fail(EINVAL, "invalid filter 'dangling=" + joined(values) + "'"); };
  if (values.size() != 1) return error();
  std::string v = values[0];
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return error();
}

// prune's all=: one value, read as Go's strconv.ParseBool.
Result<bool> all_value(const std::vector<std::string>& values) {
  if (values.size() > 1)
    return fail(EINVAL,
                "invalid filter 'all=[" + joined(values) + "]': only one value is expected");
  const std::string& v = values[0];
  for (auto t : {"1", "t", "T", "TRUE", "true", "True"})
    if (v == t) return true;
  for (auto f : {"0", "f", "F", "FALSE", "false", "False"})
    if (v == f) return false;
  return fail(EINVAL,
              "invalid filter 'all': strconv.ParseBool: parsing \"" + v + "\": invalid syntax");
}

}  // namespace

Result<Filters> parse_filters(const std::vector<std::string>& flags, FilterScope scope) {
  std::map<std::string, std::vector<std::string>> args;
  for (const auto& flag : flags) {
    auto eq = flag.find('=');
    if (eq == std::string::npos) return fail(EINVAL, "bad format of filter (expected name=value)");
    // The CLI lower-cases and trims the key, as Docker's filters.ParseFlag does.
    std::string key = flag.substr(0, eq);
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    args[key].push_back(flag.substr(eq + 1));
  }
  const std::set<std::string> accepted =
      scope == FilterScope::list ? std::set<std::string>{"name", "driver", "label", "dangling"}
                                 : std::set<std::string>{"label", "label!", "all"};
  for (const auto& [key, values] : args)
    if (!accepted.count(key)) return fail(EINVAL, "invalid filter '" + key + "'");

  Filters f;
  for (const auto& [key, values] : args) {
    if (key == "name") {
      f.names = values;
    } else if (key == "driver") {
      f.drivers = values;
    } else if (key == "label") {
      for (const auto& v : values) f.labels.push_back(label_term(v));
    } else if (key == "label!") {
      for (const auto& v : values) f.not_labels.push_back(label_term(v));
    } else if (key == "dangling") {
      ASUP_TRY(f.dangling, dangling_value(values));
    }
  }
  if (scope == FilterScope::prune) {
    bool all = false;
    if (auto it = args.find("all"); it != args.end()) {
      ASUP_TRY(all, all_value(it->second));
    }
    f.anonymous_only = !all;
  }
  return f;
}

bool matches(const Filters& filters, const Volume& v, bool in_use) {
  if (!filters.names.empty()) {
    bool any = false;
    for (const auto& pattern : filters.names) {
      try {
        any = std::regex_search(v.name, std::regex{pattern});
      } catch (const std::regex_error&) {
        any = false;  // Docker skips a pattern that does not compile
      }
      if (any) break;
    }
    if (!any) return false;
  }
  if (!filters.drivers.empty()) {
    bool any = false;
    for (const auto& d : filters.drivers) any = any || d == v.driver;
    if (!any) return false;
  }
  for (const auto& term : filters.labels)
    if (!label_matches(term, v)) return false;
  for (const auto& term : filters.not_labels)
    if (label_matches(term, v)) return false;
  if (filters.dangling && *filters.dangling == in_use) return false;
  if (filters.anonymous_only && !v.anonymous && !v.labels.count(kAnonymousLabel)) return false;
  return true;
}

}  // namespace asup::volume
