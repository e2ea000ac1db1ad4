// Image references as Docker parses them: "busybox" -> docker.io/library/busybox:latest,
// "host:5000/repo:tag", "repo@sha256:HEX".
#pragma once

#include <string>
#include <string_view>

#include "asup/result.hpp"

namespace asup::image {

struct Reference {
  std::string registry;    // "docker.io", "localhost:5000"
  std::string repository;  // "library/busybox"
  std::string tag;         // "latest" unless a digest was given
  std::string digest;      // "sha256:..." or empty

  // "docker.io/library/busybox:latest"
  std::string full() const;
  // What Docker shows in `images`: "busybox", "localhost:5000/x"
  std::string familiar_repository() const;
  // "busybox:latest"
  std::string familiar() const;
};

Result<Reference> parse_reference(std::string_view text);

// For references the store holds in full form: "docker.io/library/busybox:latest" ->
// "busybox:latest" (text that does not parse is returned as it is) ...
std::string familiar_form(const std::string& full);
// ... and -> "docker.io/library/busybox".
std::string repository_of(const std::string& full);

}  // namespace asup::image
