#include "image/load_plan.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "image/digest.hpp"
#include "image/reference.hpp"

namespace asup::image {
namespace {

using nlohmann::json;

using annotation::kImageName;
using annotation::kRefName;
// Indexes may nest (an index of indexes); a cycle or a deep chain is not an image.
constexpr int kMaxIndexDepth = 4;

void add_reference(PendingImage& image, const std::string& ref) {
  if (std::find(image.references.begin(), image.references.end(), ref) == image.references.end())
    image.references.push_back(ref);
}

// Images that several entries name are one image with several references.
void merge_into(std::vector<PendingImage>& images, PendingImage image) {
  for (auto& existing : images) {
    if (existing.id == image.id) {
      for (const auto& r : image.references) add_reference(existing, r);
      return;
    }
  }
  images.push_back(std::move(image));
}

// The name an index.json entry gives its image, or "" for none.
Result<std::string> oci_entry_name(const Descriptor& d) {
  if (auto it = d.annotations.find(kImageName); it != d.annotations.end()) {
    auto ref = parse_reference(it->second);
    if (!ref) return fail(ref.error().wrap(std::string{"annotation "} + kImageName));
    // A name pinned to a digest is not a tag.
    return ref.value().digest.empty() ? ref.value().full() : std::string{};
  }
  if (auto it = d.annotations.find(kRefName); it != d.annotations.end()) {
    // A bare tag ("latest") names nothing without a repository: the image stays untagged.
    if (it->second.find_first_of("/:@") == std::string::npos) return std::string{};
    auto ref = parse_reference(it->second);
    if (!ref) return fail(ref.error().wrap(std::string{"annotation "} + kRefName));
    return ref.value().digest.empty() ? ref.value().full() : std::string{};
  }
  return std::string{};
}

// Follows `d` through indexes down to the image manifest for this host.
Result<Descriptor> select_manifest(const StagedArchive& archive, Descriptor d) {
  for (int depth = 0;; ++depth) {
    ASUP_TRY(const StagedFile* file, archive.blob(d.digest, d.size));
    ASUP_TRY(std::string text, archive.read_text(*file));
    ASUP_TRY(std::string type, document_media_type(text));
    if (is_manifest_type(type)) {
      d.media_type = type;
      return d;
    }
    if (!is_index_type(type))
      return fail("manifest " + d.digest + ": unsupported media type \"" + type + "\"");
    if (depth == kMaxIndexDepth) return fail("index " + d.digest + ": nested too deeply");
    ASUP_TRY(auto entries, parse_index(text));
    auto match = std::find_if(entries.begin(), entries.end(), [](const Descriptor& e) {
      return e.platform && runs_here(*e.platform) &&
             (e.media_type.empty() || is_manifest_type(e.media_type) ||
              is_index_type(e.media_type));
    });
    if (match == entries.end())
      return fail("image index " + d.digest + " has no manifest for linux/" +
                  std::string{host_architecture()});
    d = *match;
  }
}

Result<PendingImage> plan_manifest(const StagedArchive& archive, const Descriptor& manifest_desc) {
  ASUP_TRY(const StagedFile* manifest_file, archive.blob(manifest_desc.digest, manifest_desc.size));
  ASUP_TRY(std::string manifest_text, archive.read_text(*manifest_file));
  ASUP_TRY(auto manifest, parse_manifest(manifest_text));
  ASUP_TRY(const StagedFile* config_file,
           archive.blob(manifest.config.digest, manifest.config.size));
  ASUP_TRY(std::string config_text, archive.read_text(*config_file));
  auto config = parse_config(config_text);
  if (!config) return fail(config.error().wrap("config " + manifest.config.digest));
  if (config.value().diff_ids.size() != manifest.layers.size())
    return fail("manifest " + manifest_desc.digest + " lists " +
                std::to_string(manifest.layers.size()) + " layers, its config " +
                std::to_string(config.value().diff_ids.size()) + " diff ids");
  PendingImage image;
  image.id = manifest.config.digest;
  image.manifest_digest = manifest_desc.digest;
  image.manifest_file = manifest_file->path;
  image.config_file = config_file->path;
  image.config = std::move(config).value();
  for (size_t i = 0; i < manifest.layers.size(); ++i) {
    const auto& layer = manifest.layers[i];
    ASUP_TRY(const StagedFile* blob, archive.blob(layer.digest, layer.size));
    image.layers.push_back(PendingLayer{image.config.diff_ids[i], layer.digest, blob->path, {}, 0});
  }
  return image;
}

// The layer media type for a blob, from its first bytes.
Result<std::string> layer_media_type(const StagedFile& file) {
  ASUP_TRY(auto fd, fs::open_fd(file.path, O_RDONLY));
  unsigned char magic[4] = {};
  ssize_t n = ::pread(fd.get(), magic, sizeof magic, 0);
  if (n < 0) return fail_errno("read " + file.path);
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return std::string{media_type::kOciLayerGzip};
  if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
    return std::string{media_type::kOciLayerZstd};
  return std::string{media_type::kOciLayer};
}

}  // namespace

Result<std::vector<PendingImage>> plan_oci_layout(const StagedArchive& archive) {
  ASUP_TRY(std::string layout_text, archive.read_text("oci-layout"));
  json layout = json::parse(layout_text, nullptr, false);
  if (layout.is_discarded() || !layout.is_object() || !layout.contains("imageLayoutVersion"))
    return fail("oci-layout: not an OCI image layout");
  ASUP_TRY(std::string index_text, archive.read_text("index.json"));
  auto entries = parse_index(index_text);
  if (!entries) return fail(entries.error().wrap("index.json"));

  std::vector<PendingImage> images;
  bool other_platforms = false;
  for (const auto& entry : entries.value()) {
    // Entries for another platform (a layout holding a multi-arch copy) are not ours.
    if (entry.platform && !runs_here(*entry.platform)) {
      other_platforms = true;
      continue;
    }
    ASUP_TRY(std::string name, oci_entry_name(entry));
    ASUP_TRY(Descriptor manifest, select_manifest(archive, entry));
    ASUP_TRY(PendingImage image, plan_manifest(archive, manifest));
    if (!name.empty()) add_reference(image, name);
    merge_into(images, std::move(image));
  }
  if (images.empty())
    return fail(other_platforms
                    ? "the archive has no image for linux/" + std::string{host_architecture()}
                    : std::string{"index.json lists no image"});
  return images;
}

Result<std::vector<PendingImage>> plan_docker_save(const StagedArchive& archive,
                                                   const std::string& staging) {
  ASUP_TRY(std::string text, archive.read_text("manifest.json"));
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) return fail("manifest.json: not a JSON list");

  // Newer `docker save` also writes an OCI layout; its manifests keep their real digests.
  std::vector<PendingImage> oci;
  if (archive.find("oci-layout") && archive.find("index.json"))
    if (auto planned = plan_oci_layout(archive)) oci = std::move(planned).value();

  std::vector<PendingImage> images;
  size_t generated = 0;
  for (const auto& entry : doc) {
    if (!entry.is_object() || !entry.contains("Config") || !entry["Config"].is_string() ||
        !entry.contains("Layers") || !entry["Layers"].is_array())
      return fail("manifest.json: an entry lacks Config or Layers");
    std::string config_name = entry["Config"].get<std::string>();
    const StagedFile* config_file = archive.find(config_name);
    if (!config_file) return fail("manifest.json: config " + config_name + " is missing");
    // "HEX.json" (and blobs/sha256/HEX) name the config by its digest: hold them to it.
    std::string base = config_name.substr(config_name.rfind('/') + 1);
    if (base.size() > 5 && base.compare(base.size() - 5, 5, ".json") == 0)
      base.resize(base.size() - 5);
    if (is_sha256_hex(base) && config_file->digest != "sha256:" + base)
      return fail("config " + config_name +
                  " does not match its content (sha256 of "
                  "the content is " +
                  config_file->digest + ")");
    ASUP_TRY(std::string config_text, archive.read_text(*config_file));
    auto config = parse_config(config_text);
    if (!config) return fail(config.error().wrap("config " + config_name));
    const auto& layers = entry["Layers"];
    if (layers.size() != config.value().diff_ids.size())
      return fail("manifest.json lists " + std::to_string(layers.size()) + " layers, config " +
                  config_name + " " + std::to_string(config.value().diff_ids.size()) + " diff ids");

    PendingImage image;
    image.id = config_file->digest;
    image.config_file = config_file->path;
    image.config = std::move(config).value();
    std::vector<Descriptor> layer_descs;
    for (size_t i = 0; i < layers.size(); ++i) {
      if (!layers[i].is_string()) return fail("manifest.json: a layer is not a path");
      std::string layer_name = layers[i].get<std::string>();
      const StagedFile* blob = archive.find(layer_name);
      if (!blob) return fail("manifest.json: layer " + layer_name + " is missing");
      ASUP_TRY(std::string type, layer_media_type(*blob));
      layer_descs.push_back(Descriptor{type, blob->digest, blob->size, {}, {}});
      image.layers.push_back(
          PendingLayer{image.config.diff_ids[i], blob->digest, blob->path, {}, 0});
    }

    auto same = std::find_if(oci.begin(), oci.end(),
                             [&](const PendingImage& o) { return o.id == image.id; });
    if (same != oci.end()) {
      image.manifest_digest = same->manifest_digest;
      image.manifest_file = same->manifest_file;
      image.layers = same->layers;
    } else {
      Descriptor config_desc{
          std::string{media_type::kOciConfig}, image.id, config_file->size, {}, {}};
      std::string manifest = make_manifest(config_desc, layer_descs);
      image.manifest_digest = "sha256:" + sha256_hex(manifest);
      image.manifest_file = fs::join(staging, "manifest-" + std::to_string(generated++));
      ASUP_TRY(fs::write_file(image.manifest_file, manifest));
    }

    if (auto tags = entry.find("RepoTags"); tags != entry.end() && tags->is_array()) {
      for (const auto& tag : *tags) {
        if (!tag.is_string()) continue;
        auto ref = parse_reference(tag.get<std::string>());
        if (!ref) return fail(ref.error().wrap("manifest.json RepoTags"));
        if (!ref.value().digest.empty()) continue;  // a digest is not a tag
        add_reference(image, ref.value().full());
      }
    }
    merge_into(images, std::move(image));
  }
  if (images.empty()) return fail("manifest.json lists no image");
  return images;
}

}  // namespace asup::image
