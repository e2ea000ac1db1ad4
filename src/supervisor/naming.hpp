// Container ids (64 hex chars, as Docker's), generated names, and lookup by name or by
// unique id prefix.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "asup/result.hpp"

namespace asup::supervisor {

std::string new_container_id();
// "adjective_surname"; `taken` says whether a name is in use.
std::string new_container_name(const std::function<bool(const std::string&)>& taken);

struct NameAndId {
  std::string id;
  std::string name;
};
// Docker's order: full id, exact name, then a unique id prefix.
Result<std::string> match_container(const std::string& query, const std::vector<NameAndId>& all);

}  // namespace asup::supervisor
