#include "engine/naming.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <random>
#include <string_view>

namespace asup::engine {
namespace {

std::mt19937_64& rng() {
  static std::mt19937_64 engine{std::random_device{}()};
  return engine;
}

constexpr std::array kAdjectives{"agile", "bold",   "brave", "calm",   "clever", "eager",
                                 "fast",  "gentle", "happy", "keen",   "lucid",  "nimble",
                                 "quiet", "rapid",  "sharp", "steady", "swift",  "vivid",
                                 "wise",  "zen",    "amber", "bright", "crisp",  "daring"};
constexpr std::array kNames{"babbage", "boole",    "cerf",    "dijkstra", "engelbart", "hopper",
                            "kay",     "knuth",    "lamport", "liskov",   "lovelace",  "mccarthy",
                            "perlman", "ritchie",  "shannon", "thompson", "torvalds",  "turing",
                            "wirth",   "hamilton", "allen",   "backus",   "hoare",     "milner"};

// Control characters escaped, so a bad name shows whole in a one-line error.
std::string escaped(const std::string& text) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

Status check_name(const std::string& what, const std::string& name, std::size_t min_length) {
  auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  };
  bool valid = name.size() >= std::max<std::size_t>(min_length, 1) &&
               std::isalnum(static_cast<unsigned char>(name[0])) &&
               std::all_of(name.begin(), name.end(), allowed);
  // The text is Docker's, with control characters escaped so a newline in it shows.
  if (!valid)
    return fail(EINVAL, "Invalid " + what + " name (" + escaped(name) +
                            "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  if (name.size() > kMaxNameLength)
    return fail(EINVAL, "Invalid " + what + " name: longer than " + std::to_string(kMaxNameLength) +
                            " characters");
  return ok();
}

Result<std::string> parse_container_name(const std::string& name) {
  std::string bare = !name.empty() && name[0] == '/' ? name.substr(1) : name;
  ASUP_TRY(check_name("container", bare, 2));
  return bare;
}

Status check_hostname(const std::string& hostname) {
  auto invalid = [&](const std::string& why) {
    return fail(EINVAL, "invalid hostname \"" + escaped(hostname) + "\": " + why);
  };
  if (hostname.empty()) return invalid("empty");
  if (hostname.size() > 64) return invalid("longer than 64 characters");
  std::size_t start = 0;
  while (start <= hostname.size()) {
    std::size_t end = hostname.find('.', start);
    if (end == std::string::npos) end = hostname.size();
    std::string_view label(hostname.data() + start, end - start);
    if (label.empty()) return invalid("empty label");
    if (label.size() > 63) return invalid("a label is longer than 63 characters");
    if (label.front() == '-' || label.back() == '-')
      return invalid("a label starts or ends with '-'");
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
        return invalid("only letters, digits, '-' and '.' are allowed (RFC 1123)");
    }
    start = end + 1;
  }
  return ok();
}

std::string new_container_id() {
  static const char* hex = "0123456789abcdef";
  std::string id(64, '0');
  for (std::size_t i = 0; i < id.size(); i += 16) {
    auto v = rng()();
    for (std::size_t k = 0; k < 16; ++k, v >>= 4) id[i + k] = hex[v & 15];
  }
  return id;
}

std::string new_container_name(const std::function<bool(const std::string&)>& taken) {
  for (int attempt = 0;; ++attempt) {
    std::string name = std::string(kAdjectives[rng()() % kAdjectives.size()]) + "_" +
                       kNames[rng()() % kNames.size()];
    if (attempt > 8) name += std::to_string(rng()() % 1000);
    if (!taken(name)) return name;
  }
}

Result<std::string> match_container(const std::string& query, const std::vector<NameAndId>& all) {
  if (query.empty()) return fail(EINVAL, "No such container: (empty name)");
  for (auto& c : all)
    if (c.id == query) return c.id;
  std::string name = query[0] == '/' ? query.substr(1) : query;
  for (auto& c : all)
    if (c.name == name) return c.id;
  const std::string* found = nullptr;
  for (auto& c : all) {
    if (c.id.rfind(query, 0) == 0) {
      if (found) return fail(EINVAL, "multiple containers found with prefix \"" + query + "\"");
      found = &c.id;
    }
  }
  if (!found) return fail(ENOENT, "No such container: " + query);
  return *found;
}

}  // namespace asup::engine
