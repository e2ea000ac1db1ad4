// Volume names: Docker's rule for the local driver and the names of anonymous volumes.
#pragma once

#include <string>

#include "asup/result.hpp"

namespace asup::volume {

// `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, with Docker's two texts: "volume name is too short, names
// should be at least two alphanumeric characters" and "\"x y\" includes invalid characters
// for a local volume name, only ...". A name is a directory under ROOT/volumes, so the
// rule is also what keeps it there ("..", "a/b" and "" never pass).
Status validate_name(const std::string& name);

// 64 random hex digits, as Docker names anonymous volumes.
Result<std::string> generate_anonymous_name();

}  // namespace asup::volume
