// Signal names as users and images spell them: "TERM", "SIGTERM", "15", "SIGRTMIN+3".
#pragma once

#include <optional>
#include <string>

#include "asup/result.hpp"

namespace asup::engine {

Result<int> parse_signal(const std::string& text);
// stop's and restart's -s: nothing when empty.
Result<std::optional<int>> parse_optional_signal(const std::string& text);

}  // namespace asup::engine
