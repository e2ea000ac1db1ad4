// diff: what a container changed in its filesystem, read from its overlay's upper dir as
// Docker's overlay2 driver reads it: a whiteout is a deletion, a path the lower layers have
// a change, anything else an addition.
#pragma once

#include <string>
#include <vector>

#include "asup/result.hpp"

namespace asup::engine {

struct Change {
  enum Kind { modified = 0, added = 1, deleted = 2 };  // the API's numbers
  std::string path;                                    // "/etc/passwd"
  Kind kind = modified;
};

// The changes in `upper` over `lowers` (top-most first), sorted by path as Docker lists
// them. An opaque directory's old content is not listed: the directory itself changed.
Result<std::vector<Change>> overlay_changes(const std::string& upper,
                                            const std::vector<std::string>& lowers);

}  // namespace asup::engine
