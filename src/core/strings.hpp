// Splitting text at a separator: what passwd lines, ulimit values and mount options need.
#pragma once

#include <string_view>
#include <vector>

namespace asup {

// Every part between separators, empty ones included ("a::b" -> "a", "", "b"); the views
// point into `s`.
std::vector<std::string_view> split(std::string_view s, char sep);

}  // namespace asup
