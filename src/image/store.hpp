// The content-addressed image store under ROOT/image:
//   blobs/sha256/HEX       manifests, configs and compressed layers, by digest
//   layers/HEX/            unpacked layer directories, by diff id (uncompressed digest)
//   index.json             full reference ("docker.io/library/busybox:latest") -> image
//   tmp/                   staging; anything here is garbage after a crash
// Methods that read archives or unpack layers block: asupd runs them on its worker pool.
// The store is safe to use from several threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "asup/result.hpp"

namespace asup::image {

// The parts of an image's config a runtime honours.
struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // KEY=VALUE
  std::string working_dir;
  std::string user;
  std::string stop_signal;  // "SIGTERM", "SIGRTMIN+3", "" for default
  std::vector<std::string> exposed_ports;

  bool operator==(const ImageConfig&) const = default;
};

struct Image {
  std::string id;               // config digest "sha256:HEX" (Docker's image id)
  std::string manifest_digest;  // "sha256:HEX"
  std::vector<std::string> references;  // full references pointing at this image
  std::vector<std::string> diff_ids;    // bottom layer first
  ImageConfig config;
  std::int64_t created = 0;  // unix seconds from the config, 0 if absent
  std::int64_t size = 0;     // unpacked bytes of all layers
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> open(const std::string& root);  // ROOT/image

  // `asupctl load`: an OCI image layout tar or a `docker save` tar (plain or gzip).
  // Returns the full references it tagged (or image ids for untagged images).
  Result<std::vector<std::string>> load_archive(const std::string& tar_path);
  // `asupctl import`: a root filesystem tar (plain or compressed) becomes a one-layer image
  // tagged `reference`. Returns the image id.
  Result<std::string> import_rootfs(const std::string& tar_path, const std::string& reference);

  // By reference ("busybox", "busybox:1", full form), by id or unique id prefix.
  Result<Image> resolve(const std::string& name) const;
  std::vector<Image> list() const;
  // Unpacked directories of the image's layers, top-most first (overlay lowerdir order).
  std::vector<std::string> layer_dirs(const Image& image) const;

  // `rmi NAME`: removes the reference; when NAME is an id or the last reference, deletes
  // the image and the blobs and layers no other image uses. Returns lines in Docker's
  // form ("Untagged: busybox:latest", "Deleted: sha256:...").
  Result<std::vector<std::string>> remove(const std::string& name);

 private:
  explicit Store(std::string root);
  Status load_index();
  Status save_index();
  std::string root_;
  mutable std::mutex mutex_;
  std::map<std::string, Image> images_;  // by id
  std::map<std::string, std::string> refs_;  // full reference -> id
};

}  // namespace asup::image
