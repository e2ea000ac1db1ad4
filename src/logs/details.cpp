// The attributes are those of Docker's logger Info.ExtraAttributes: a label or variable
// named in `labels`/`env` (comma-separated) or matching `labels-regex`/`env-regex`.
#include "logs/details.hpp"

#include <cctype>
#include <regex>
#include <string_view>

namespace asup::logs {
namespace {

std::string query_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else if (ch == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

// The attributes of `values` that option `names` lists and option `pattern` matches.
void pick(const std::map<std::string, std::string>& values,
          const std::map<std::string, std::string>& opts, const std::string& names,
          const std::string& pattern, std::map<std::string, std::string>& out) {
  if (auto it = opts.find(names); it != opts.end() && !it->second.empty()) {
    std::string_view list = it->second;
    while (true) {
      auto comma = list.find(',');
      if (auto v = values.find(std::string(list.substr(0, comma))); v != values.end())
        out[v->first] = v->second;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  if (auto it = opts.find(pattern); it != opts.end() && !it->second.empty()) {
    try {
      std::regex re(it->second, std::regex::ECMAScript);
      for (auto& [k, v] : values)
        if (std::regex_search(k, re)) out[k] = v;
    } catch (const std::regex_error&) {
      // A pattern the run did not refuse: it names nothing.
    }
  }
}

}  // namespace

std::string log_details(const std::map<std::string, std::string>& labels,
                        const std::vector<std::string>& env,
                        const std::map<std::string, std::string>& log_opts) {
  std::map<std::string, std::string> env_values;
  for (auto& e : env) {
    auto eq = e.find('=');
    if (eq != std::string::npos) env_values[e.substr(0, eq)] = e.substr(eq + 1);
  }
  std::map<std::string, std::string> attrs;  // sorted by key, as Docker prints them
  pick(labels, log_opts, "labels", "labels-regex", attrs);
  pick(env_values, log_opts, "env", "env-regex", attrs);
  std::string out;
  for (auto& [k, v] : attrs) {
    if (!out.empty()) out += ',';
    out += query_escape(k) + "=" + query_escape(v);
  }
  return out;
}

}  // namespace asup::logs
