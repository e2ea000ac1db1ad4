#include "supervisor/naming.hpp"

#include <array>
#include <random>

namespace asup::supervisor {
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

}  // namespace

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

}  // namespace asup::supervisor
