// The regular files of an image archive (`docker save` or OCI layout tar), copied into a
// staging directory under flat names and hashed on the way. Nothing in the archive decides
// where a byte lands on disk: names are only keys, so a hostile outer archive cannot write
// outside the staging directory. Symlinks and hard links between files (docker save links
// duplicate layers) are kept as aliases.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "asup/result.hpp"

namespace asup::image {

struct StagedFile {
  std::string path;    // where the content was staged
  std::string digest;  // "sha256:HEX" of the content
  std::int64_t size = 0;
};

class StagedArchive {
 public:
  // Reads `tar_path` (plain or compressed) into `dir`, which must exist.
  static Result<StagedArchive> read(const std::string& tar_path, const std::string& dir);

  // The file named `name` in the archive, following aliases; nullptr if absent.
  const StagedFile* find(std::string_view name) const;
  // The blob "blobs/sha256/HEX" of an OCI layout, checked against `expected_size` (-1: any).
  Result<const StagedFile*> blob(const std::string& digest, std::int64_t expected_size) const;
  // The content of a small file (manifests, configs, index.json).
  Result<std::string> read_text(const StagedFile& file) const;
  Result<std::string> read_text(std::string_view name) const;
  // Every "blobs/sha256/HEX" must hash to HEX.
  Status verify_blobs() const;

 private:
  std::map<std::string, StagedFile, std::less<>> files_;
  std::map<std::string, std::string, std::less<>> aliases_;  // name -> name it stands for
};

// "./a//b/../c" -> "a/c"; empty when the name climbs above the archive root.
std::string normalize_archive_name(std::string_view name);

}  // namespace asup::image
