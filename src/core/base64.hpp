// Base64 (RFC 4648, with padding): how raw bytes, such as keys typed into a container's
// terminal, travel inside the protocol's JSON lines.
#pragma once

#include <string>
#include <string_view>

#include "asup/result.hpp"

namespace asup {

std::string base64_encode(std::string_view bytes);
// EINVAL for a character outside the alphabet, a bad length or misplaced padding.
Result<std::string> base64_decode(std::string_view text);

}  // namespace asup
