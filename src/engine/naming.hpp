// Container ids (64 hex chars, as Docker's), generated names, and lookup by name or by
// unique id prefix.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "asup/result.hpp"

namespace asup::engine {

std::string new_container_id();
// "adjective_surname"; `taken` says whether a name is in use.
std::string new_container_name(const std::function<bool(const std::string&)>& taken);

struct NameAndId {
  std::string id;
  std::string name;
};
// Docker's rule for container and alias names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at least
// min_length and at most kMaxNameLength bytes (Docker wants two for a container name).
// Names end up in /etc/hosts files and paths, so nothing else (no blank, no newline, no
// '/') may pass. `what` names the kind in the error.
inline constexpr std::size_t kMaxNameLength = 253;
Status check_name(const std::string& what, const std::string& name, std::size_t min_length = 1);
// A container name as `--name` takes it: Docker strips one leading '/'.
Result<std::string> parse_container_name(const std::string& name);
// RFC 1123 host names: dot-separated labels of letters, digits and '-', none starting or
// ending with '-', each 1-63 bytes; 64 bytes in all at most (the kernel's HOST_NAME_MAX).
Status check_hostname(const std::string& hostname);

// Docker's order: full id, exact name, then a unique id prefix.
Result<std::string> match_container(const std::string& query, const std::vector<NameAndId>& all);

}  // namespace asup::engine
