// The content-addressed image store under ROOT/image:
//   blobs/sha256/HEX       manifests, configs and compressed layers, by digest
//   layers/HEX/            unpacked layer directories, by diff id (uncompressed digest)
//   index.json             full reference ("docker.io/library/busybox:latest") -> image
//   tmp/                   staging; anything here is garbage after a crash
//   lock                   flock'ed while a Store has the root open: one owner at a time
// open(ROOT) uses ROOT/image. Methods that read archives or unpack layers block: asupd runs
// them on its worker pool. The store is safe to use from several threads; the slow part of
// a load (staging, unpacking) runs without the lock, so resolve() answers meanwhile.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::image {

// A container's health check as Docker's config spells it: Test is ["NONE"], ["CMD", argv...]
// or ["CMD-SHELL", command]; durations in ns and retries 0 mean "Docker's default".
struct HealthConfig {
  std::vector<std::string> test;
  std::int64_t interval = 0;
  std::int64_t timeout = 0;
  std::int64_t start_period = 0;
  std::int64_t start_interval = 0;
  std::int64_t retries = 0;

  bool operator==(const HealthConfig&) const = default;
};

// The parts of an image's config a runtime honours.
struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // KEY=VALUE
  std::string working_dir;
  std::string user;
  std::string stop_signal;  // "SIGTERM", "SIGRTMIN+3", "" for default
  std::vector<std::string> exposed_ports;
  std::map<std::string, std::string> labels;
  std::optional<HealthConfig> healthcheck;  // HEALTHCHECK; unset: none
  std::vector<std::string> volumes;         // config.Volumes' paths: each gets an anonymous volume

  bool operator==(const ImageConfig&) const = default;
};

struct Image {
  std::string id;                       // config digest "sha256:HEX" (Docker's image id)
  std::string manifest_digest;          // "sha256:HEX"
  std::vector<std::string> references;  // full references pointing at this image
  // "docker.io/library/busybox@sha256:HEX": the manifest digests registries know it by
  // (filled by pull; load and import leave it empty, as Docker does).
  std::vector<std::string> repo_digests;
  std::vector<std::string> diff_ids;  // bottom layer first
  ImageConfig config;
  std::int64_t created = 0;  // unix seconds from the config, 0 if absent
  std::int64_t size = 0;     // unpacked bytes of all layers
};

// "sha256:HEX" or "HEX" -> the first 12 hex digits, as `images` shows ids.
std::string short_id(const std::string& id);

struct PendingImage;  // an image on its way in (load_plan.hpp)
struct PendingLayer;

// What `image prune` did: rmi's lines ("Untagged: busybox:latest", "Deleted: sha256:...")
// and the bytes of layers and blobs it deleted.
struct PruneReport {
  std::vector<std::string> lines;
  std::int64_t reclaimed = 0;
};

// An image with its config document (the JSON its id is the digest of).
struct ImageDetails {
  Image image;
  std::string config;
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> open(const std::string& root);  // ROOT/image
  // Waits for deletions remove() left to the background.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // `asupctl load`: an OCI image layout tar or a `docker save` tar (plain or compressed).
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
  // `force` also deletes an image by id when references in several repositories name it
  // (Docker's `rmi -f`; whether a container still uses it is the caller's business).
  // keep_image: untag only, never delete (the image is still in use by a container, as
  // Docker does for `rmi -f`); it stays listed without a name until removed by id.
  Result<std::vector<std::string>> remove(const std::string& name, bool force,
                                          bool keep_image = false);

  // `tag SOURCE TARGET`: SOURCE is a reference, an id or a unique id prefix; TARGET a
  // reference without a digest. A tag that named another image moves, and that image
  // stays, untagged, when it was its last one. Returns TARGET in full form.
  Result<std::string> tag(const std::string& source, const std::string& target);

  // `save`: writes the named images as one OCI image layout tar that is also a Docker 25+
  // `docker save` archive (index.json, manifest.json, blobs/sha256/...). A name without a
  // tag saves every tag of that repository; an id saves the image untagged. The file
  // appears complete or not at all: it is written beside `path` and renamed. With
  // `in_place`, `path` is written to as it is (appended to: a client's stdout).
  Status save(const std::vector<std::string>& names, const std::string& path, bool in_place);

  // `image inspect`: the image and its config document.
  Result<ImageDetails> inspect(const std::string& name) const;

  // `image prune`: deletes the untagged images (with `all`: every image) whose id is not
  // in `in_use`, then the layer directories and blobs no image uses.
  Result<PruneReport> prune(bool all, const std::set<std::string>& in_use);

  // `pull`: records images whose layers the caller unpacked beside their blobs in
  // `staging` (from make_staging_dir), exactly as load does. Returns the references.
  Result<std::vector<std::string>> install_pending(std::vector<PendingImage>& images,
                                                   const std::string& staging) {
    return install(images, staging);
  }
  // A fresh directory under ROOT/image/tmp; the caller removes it.
  Result<std::string> make_staging_dir(const char* purpose) const;
  // Whether the layer with this diff id is unpacked and its blob stored, so a pull can
  // skip it.
  bool has_layer(const std::string& diff_id, const std::string& blob_digest) const;

  // Unpacked bytes of one layer (by diff id), 0 when the layer is unknown.
  std::int64_t layer_size(const std::string& diff_id) const;
  // Blocks until the layers and blobs remove() handed to the background are deleted.
  void wait_for_cleanup();

 private:
  Store(std::string root, UniqueFd lock);
  Status load_index();
  Status save_index();  // mutex_ held
  Result<Image> resolve_locked(const std::string& name) const;
  // mutex_ held: the full reference `name` is when it is a tag of image `id`, else "" (an
  // id, a digest reference, a tag of another image).
  std::string reference_named(const std::string& name, const std::string& id) const;
  std::string layer_dir(const std::string& diff_id) const;
  std::string blob_path(const std::string& digest) const;
  // Unpacks the missing layers of `images`, then records them, their blobs and their
  // references; retried when a concurrent remove() took a layer it relied on.
  Result<std::vector<std::string>> install(std::vector<PendingImage>& images,
                                           const std::string& staging);
  // What one install() did so far: the layers it measured or unpacked, those it placed.
  struct InstallRun {
    std::map<std::string, std::int64_t> sizes;
    std::vector<std::string> placed;  // diff ids
    std::size_t counter = 0;          // staging directory names
  };
  Status place_layer(PendingLayer& layer, const std::string& staging, InstallRun& run);
  Result<std::vector<std::string>> record_images(const std::vector<PendingImage>& images,
                                                 InstallRun& run);
  void record_image(const PendingImage& pending, const std::vector<std::string>& blobs,
                    std::vector<std::string>& names);
  void discard_placed(const InstallRun& run);
  Result<std::vector<std::string>> load_staged(const std::string& tar_path,
                                               const std::string& staging);
  Result<std::vector<std::string>> import_staged(const std::string& tar_path,
                                                 const std::string& reference,
                                                 const std::string& staging);
  // The index maps as they were before a change, to put back if writing the index fails.
  struct Snapshot {
    std::map<std::string, Image> images;
    std::map<std::string, std::string> refs;
    std::map<std::string, std::vector<std::string>> blobs;
    std::map<std::string, std::int64_t> layer_sizes;
  };
  Snapshot snapshot() const;      // mutex_ held
  void restore(Snapshot before);  // mutex_ held
  // mutex_ held: saves the index, or puts `before` back when that fails.
  Status commit(Snapshot& before);
  // What deleting an image left without a user.
  struct Unused {
    std::vector<std::string> blobs;   // digests
    std::vector<std::string> layers;  // diff ids, in the image's order
    std::int64_t layer_bytes = 0;     // their unpacked size
  };
  // mutex_ held: drops the image `id` and its references, appending Docker's lines for it
  // ("Untagged: ..." for each reference and repo digest, "Deleted: ..." for the image and
  // each freed layer) to `lines`. The caller discards the unused blobs and layers.
  Unused delete_image(const std::string& id, std::vector<std::string>& lines);
  // mutex_ held: moves what no image uses any more out of sight, for the reaper to delete.
  void discard_unused(const std::vector<std::string>& blobs,
                      const std::vector<std::string>& layers);
  void queue_for_deletion(std::string path);
  void reap();

  std::string root_;  // ROOT/image
  UniqueFd lock_;
  mutable std::mutex mutex_;
  std::map<std::string, Image> images_;                    // by id
  std::map<std::string, std::string> refs_;                // full reference -> id
  std::map<std::string, std::vector<std::string>> blobs_;  // image id -> blob digests it uses
  std::map<std::string, std::int64_t> layer_sizes_;        // diff id -> unpacked bytes

  // Deletion happens on a thread of its own: removing a large layer takes seconds.
  std::mutex trash_mutex_;
  std::condition_variable trash_cv_;
  std::vector<std::string> trash_;
  bool reaping_ = false;
  bool stopping_ = false;
  std::thread reaper_;
};

}  // namespace asup::image
