// `volume ls --filter` and `volume prune --filter`, parsed into typed filters with
// Docker's keys, semantics and error texts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "asup/result.hpp"
#include "volume/volume.hpp"

namespace asup::volume {

// Which command the filters are for: ls accepts name, driver, label, dangling; prune
// accepts label, label! and all (Docker 23+).
enum class FilterScope { list, prune };

struct LabelTerm {
  std::string key;
  std::optional<std::string> value;  // nullopt: the label only has to exist

  bool operator==(const LabelTerm&) const = default;
};

struct Filters {
  std::vector<std::string> names;     // regular expressions, searched; any may match
  std::vector<std::string> drivers;   // any may match
  std::vector<LabelTerm> labels;      // every one must match
  std::vector<LabelTerm> not_labels;  // none may match (prune's label!=)
  std::optional<bool> dangling;       // true: no container uses it
  // prune without all=true removes only anonymous volumes, as Docker 23+ does.
  bool anonymous_only = false;

  bool operator==(const Filters&) const = default;
};

// Each flag is "key=value" ("label=a=b" has key label and value a=b). Errors as Docker's:
// "bad format of filter (expected name=value)" (the CLI's), "invalid filter 'x'",
// "invalid filter 'dangling=maybe'", "invalid filter 'all': strconv.ParseBool: ...".
Result<Filters> parse_filters(const std::vector<std::string>& flags, FilterScope scope);

// Whether `v` passes; `in_use` says whether a container holds it.
bool matches(const Filters& filters, const Volume& v, bool in_use);

}  // namespace asup::volume
