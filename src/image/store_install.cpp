// Getting images into the store: `load` (image archives) and `import` (root filesystem
// tars). Everything is staged in ROOT/image/tmp and checked first; a layer appears under
// layers/ only complete and verified (unpacked beside it, then renamed), and the index
// changes only once every layer and blob is in place.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "core/fs.hpp"
#include "core/tree_size.hpp"
#include "image/digest.hpp"
#include "image/image_json.hpp"
#include "image/layer_unpack.hpp"
#include "image/load_plan.hpp"
#include "image/reference.hpp"
#include "image/staged_archive.hpp"
#include "image/store.hpp"

namespace asup::image {
namespace {

// A concurrent remove() may take a layer this load found present; the load then unpacks
// it again. Two rounds of that in a row mean something keeps deleting: give up.
constexpr int kInstallAttempts = 3;

void append_unique(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

class StagingDir {
 public:
  explicit StagingDir(std::string path) : path_(std::move(path)) {}
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  ~StagingDir() { (void)fs::remove_tree(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

Result<std::vector<std::string>> Store::load_archive(const std::string& tar_path) {
  ASUP_TRY(std::string staging_path, make_staging_dir("load"));
  StagingDir staging{staging_path};
  auto result = load_staged(tar_path, staging.path());
  if (!result) return fail(result.error().wrap("load " + tar_path));
  return result;
}

Result<std::vector<std::string>> Store::load_staged(const std::string& tar_path,
                                                    const std::string& staging) {
  std::string files = fs::join(staging, "files");
  ASUP_TRY(fs::make_dirs(files, 0700));
  ASUP_TRY(auto archive, StagedArchive::read(tar_path, files));
  ASUP_TRY(archive.verify_blobs());
  std::vector<PendingImage> images;
  // `docker save` of Docker 25+ is an OCI layout too; its manifest.json carries the tags.
  if (archive.find("manifest.json")) {
    ASUP_TRY(images, plan_docker_save(archive, staging));
  } else if (archive.find("oci-layout")) {
    ASUP_TRY(images, plan_oci_layout(archive));
  } else {
    return fail(
        "neither an OCI image layout (oci-layout, index.json) nor a docker save archive "
        "(manifest.json)");
  }
  return install(images, staging);
}

Result<std::string> Store::import_rootfs(const std::string& tar_path,
                                         const std::string& reference) {
  std::string full;
  if (!reference.empty()) {
    ASUP_TRY(auto ref, parse_reference(reference));
    if (!ref.digest.empty())
      return fail("refusing to create a tag with a digest reference: " + reference);
    full = ref.full();
  }
  ASUP_TRY(std::string staging_path, make_staging_dir("import"));
  StagingDir staging{staging_path};
  auto result = import_staged(tar_path, full, staging.path());
  if (!result) return fail(result.error().wrap("import " + tar_path));
  return result.value().front();
}

Result<std::vector<std::string>> Store::import_staged(const std::string& tar_path,
                                                      const std::string& reference,
                                                      const std::string& staging) {
  // One pass over the input: it is decompressed once, unpacked, hashed into the diff id
  // and kept uncompressed as the layer blob, all at the same time.
  std::string layer = fs::join(staging, "layer");
  std::string blob = fs::join(staging, "layer.tar");
  if (::mkdir(layer.c_str(), 0700) != 0) return fail_errno("mkdir " + layer);
  UnpackedLayer unpacked;
  {
    ASUP_TRY(auto fd, fs::open_fd(blob, O_WRONLY | O_CREAT | O_EXCL, 0644));
    ASUP_TRY(unpacked, unpack_layer(tar_path, layer, fd.get()));
  }
  struct stat st;
  if (::stat(blob.c_str(), &st) != 0) return fail_errno("stat " + blob);

  std::string config_text = make_import_config(unpacked.diff_id, std::time(nullptr));
  std::string config_file = fs::join(staging, "config.json");
  ASUP_TRY(fs::write_file(config_file, config_text));
  Descriptor config_desc{std::string{media_type::kOciConfig},
                         "sha256:" + sha256_hex(config_text),
                         static_cast<std::int64_t>(config_text.size()),
                         {},
                         {}};
  Descriptor layer_desc{std::string{media_type::kOciLayer}, unpacked.diff_id, st.st_size, {}, {}};
  std::string manifest_text = make_manifest(config_desc, {layer_desc});
  std::string manifest_file = fs::join(staging, "manifest.json");
  ASUP_TRY(fs::write_file(manifest_file, manifest_text));

  PendingImage image;
  image.id = config_desc.digest;
  image.manifest_digest = "sha256:" + sha256_hex(manifest_text);
  image.manifest_file = manifest_file;
  image.config_file = config_file;
  ASUP_TRY(image.config, parse_config(config_text));
  image.layers.push_back(
      PendingLayer{unpacked.diff_id, unpacked.diff_id, blob, layer, unpacked.bytes});
  if (!reference.empty()) image.references.push_back(reference);
  std::vector<PendingImage> images{std::move(image)};
  ASUP_TRY(install(images, staging));
  return std::vector<std::string>{images.front().id};
}

// On failure (mutex_ held): layers this install put in place that no recorded image uses
// go again.
void Store::discard_placed(const InstallRun& run) {
  std::set<std::string> used;
  for (const auto& [id, image] : images_) used.insert(image.diff_ids.begin(), image.diff_ids.end());
  std::vector<std::string> unused;
  for (const auto& d : run.placed)
    if (!used.count(d)) unused.push_back(d);
  discard_unused({}, unused);
}

// One layer in place under layers/: unpacked here (or before, by the caller) and renamed
// in, or found there already (left by an interrupted load, or by a concurrent one).
Status Store::place_layer(PendingLayer& layer, const std::string& staging, InstallRun& run) {
  std::string dir = layer_dir(layer.diff_id);
  if (fs::exists(dir)) {
    bool known = run.sizes.count(layer.diff_id) != 0;
    if (!known) {
      std::lock_guard l(mutex_);
      known = layer_sizes_.count(layer.diff_id) != 0;
    }
    // Measured outside the lock.
    if (!known)
      if (auto size = fs::tree_size(dir)) run.sizes[layer.diff_id] = size.value();
    return ok();
  }
  std::string unpacked_dir = layer.unpacked_dir;
  std::int64_t bytes = layer.unpacked_bytes;
  layer.unpacked_dir.clear();  // usable once: a retry unpacks from the blob
  if (unpacked_dir.empty()) {
    unpacked_dir = fs::join(staging, "layer-" + std::to_string(run.counter++));
    if (::mkdir(unpacked_dir.c_str(), 0700) != 0) return fail_errno("mkdir " + unpacked_dir);
    auto unpacked = unpack_layer(layer.blob_file, unpacked_dir);
    if (!unpacked) return fail(unpacked.error().wrap("layer " + layer.blob_digest));
    if (unpacked.value().diff_id != layer.diff_id)
      return fail(Error{0, "layer " + layer.blob_digest + ": uncompressed content is " +
                               unpacked.value().diff_id + ", the config says " + layer.diff_id});
    bytes = unpacked.value().bytes;
  }
  if (::rename(unpacked_dir.c_str(), dir.c_str()) == 0) {
    run.placed.push_back(layer.diff_id);
  } else if (errno != EEXIST && errno != ENOTEMPTY &&
             // Pulls sharing one download share its directory: the first to install moved
             // it already.
             !(errno == ENOENT && fs::exists(dir))) {
    return fail_errno("rename " + unpacked_dir + " to " + dir);
  }
  // else a concurrent load placed the same layer first; ours goes with the staging.
  run.sizes[layer.diff_id] = bytes;
  return ok();
}

// mutex_ held, every layer in place: the images, their blobs and references recorded and
// the index saved, or everything this install did undone.
Result<std::vector<std::string>> Store::record_images(const std::vector<PendingImage>& images,
                                                      InstallRun& run) {
  auto before = snapshot();
  std::vector<std::string> new_blobs;
  auto undo = [&](Error error) -> Result<std::vector<std::string>> {
    restore(std::move(before));
    for (const auto& b : new_blobs) ::unlink(b.c_str());
    discard_placed(run);
    return fail(std::move(error));
  };
  auto place_blob = [&](const std::string& digest, const std::string& file) -> Status {
    std::string dst = blob_path(digest);
    if (fs::exists(dst)) return ok();
    if (::rename(file.c_str(), dst.c_str()) != 0) {
      // Shared by two images of this archive: the first one moved it already.
      if (errno == ENOENT && fs::exists(dst)) return ok();
      return fail_errno("rename " + file + " to " + dst);
    }
    new_blobs.push_back(dst);
    return ok();
  };

  std::vector<std::string> result;
  for (const auto& pending : images) {
    std::vector<std::string> blobs{pending.manifest_digest, pending.id};
    if (auto r = place_blob(pending.manifest_digest, pending.manifest_file); !r)
      return undo(r.error());
    if (auto r = place_blob(pending.id, pending.config_file); !r) return undo(r.error());
    for (const auto& layer : pending.layers) {
      if (auto r = place_blob(layer.blob_digest, layer.blob_file); !r) return undo(r.error());
      blobs.push_back(layer.blob_digest);
    }
    for (const auto& layer : pending.layers)
      if (!layer_sizes_.count(layer.diff_id))
        layer_sizes_[layer.diff_id] = run.sizes[layer.diff_id];
    record_image(pending, blobs, result);
  }
  if (auto r = save_index(); !r) return undo(r.error());
  return result;
}

// mutex_ held: `pending` in the maps, its references moved to it; the names it is known by
// appended to `names`.
void Store::record_image(const PendingImage& pending, const std::vector<std::string>& blobs,
                         std::vector<std::string>& names) {
  auto [it, is_new] = images_.try_emplace(pending.id);
  Image& image = it->second;
  if (is_new) {
    image.id = pending.id;
    image.manifest_digest = pending.manifest_digest;
    image.diff_ids = pending.config.diff_ids;
    image.config = pending.config.runtime;
    image.created = pending.config.created;
    std::set<std::string> unique(image.diff_ids.begin(), image.diff_ids.end());
    for (const auto& d : unique) image.size += layer_sizes_[d];
  }
  for (const auto& d : pending.repo_digests) append_unique(image.repo_digests, d);
  auto& owned = blobs_[pending.id];
  for (const auto& b : blobs) append_unique(owned, b);
  for (const auto& ref : pending.references) {
    // A tag moves to the new image; the one it leaves may end up untagged (dangling).
    if (auto old = refs_.find(ref); old != refs_.end() && old->second != pending.id) {
      auto& refs = images_.at(old->second).references;
      refs.erase(std::remove(refs.begin(), refs.end(), ref), refs.end());
    }
    refs_[ref] = pending.id;
    append_unique(image.references, ref);
    names.push_back(ref);
  }
  if (pending.references.empty()) names.push_back(pending.id);
}

Result<std::vector<std::string>> Store::install(std::vector<PendingImage>& images,
                                                const std::string& staging) {
  InstallRun run;
  auto abandon = [&](Error error) -> Result<std::vector<std::string>> {
    std::lock_guard l(mutex_);
    discard_placed(run);
    return fail(std::move(error));
  };
  for (int attempt = 0; attempt < kInstallAttempts; ++attempt) {
    for (auto& image : images)
      for (auto& layer : image.layers)
        if (auto r = place_layer(layer, staging, run); !r) return abandon(r.error());
    std::lock_guard l(mutex_);
    bool complete = true;
    for (const auto& image : images)
      for (const auto& layer : image.layers)
        complete = complete && fs::exists(layer_dir(layer.diff_id));
    // A concurrent remove() took a layer this install found in place: again.
    if (complete) return record_images(images, run);
  }
  return abandon(Error{0, "layers were deleted while the image was installed"});
}

}  // namespace asup::image
