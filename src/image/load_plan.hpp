// What an image archive holds, worked out before anything is installed: for each image its
// id, manifest, config, layers and the references to tag. Planning reads and checks the
// staged documents only; unpacking and recording happen in the store.
#pragma once

#include <string>
#include <vector>

#include "asup/result.hpp"
#include "image/image_json.hpp"
#include "image/staged_archive.hpp"

namespace asup::image {

struct PendingLayer {
  std::string diff_id;      // what the config promises the uncompressed tar hashes to
  std::string blob_digest;  // the blob as stored, usually compressed
  std::string blob_file;    // the staged file holding it
  // Set when the layer is already unpacked (import does it while reading the tar).
  std::string unpacked_dir;
  std::int64_t unpacked_bytes = 0;
};

struct PendingImage {
  std::string id;  // config digest
  std::string manifest_digest;
  std::string manifest_file;
  std::string config_file;
  std::vector<PendingLayer> layers;  // bottom first
  Config config;
  std::vector<std::string> references;    // full references to tag
  std::vector<std::string> repo_digests;  // "REGISTRY/REPO@sha256:HEX", set by pull
};

// An OCI image layout: index.json, its manifests (indexes resolved to this platform).
Result<std::vector<PendingImage>> plan_oci_layout(const StagedArchive& archive);
// A `docker save` archive: manifest.json. Generated manifests are written to `staging`.
Result<std::vector<PendingImage>> plan_docker_save(const StagedArchive& archive,
                                                   const std::string& staging);

}  // namespace asup::image
