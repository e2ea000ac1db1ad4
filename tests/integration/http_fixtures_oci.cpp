#include <archive.h>
#include <archive_entry.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "http_fixtures.hpp"
#include "http_fixtures_wire.hpp"

namespace asup::it {

using wire::write_file;
namespace fs = std::filesystem;

// ---- OCI image layouts --------------------------------------------------------------------

namespace {

struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
using ArchiveWriter = std::unique_ptr<archive, ArchiveWriteFree>;

la_ssize_t append_to_string(archive*, void* client, const void* buffer, std::size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

void check_archive(archive* a, int rc, const char* what) {
  if (rc < ARCHIVE_WARN)
    FAIL(what << ": " << (archive_error_string(a) ? archive_error_string(a) : "?"));
}

const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
const char* kOciIndex = "application/vnd.oci.image.index.v1+json";
const char* kOciConfig = "application/vnd.oci.image.config.v1+json";

nlohmann::json default_config() {
  return {
      {"architecture", "amd64"},
      {"os", "linux"},
      {"created", "2024-01-01T00:00:00Z"},
      {"config", {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}}}};
}

}  // namespace

std::string compress(const std::string& data, Compression compression) {
  if (compression == Compression::none) return data;
  ArchiveWriter a(archive_write_new());
  check_archive(a.get(), archive_write_set_format_raw(a.get()), "raw format");
  if (compression == Compression::gzip) {
    check_archive(a.get(), archive_write_add_filter_gzip(a.get()), "gzip filter");
    // No timestamp in the gzip header: the same tar always gives the same digest.
    check_archive(a.get(), archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr),
                  "gzip !timestamp");
  } else {
    check_archive(a.get(), archive_write_add_filter_zstd(a.get()), "zstd filter");
  }
  // No blocking: padding after the compressed stream would be trailing garbage.
  archive_write_set_bytes_per_block(a.get(), 0);
  std::string out;
  check_archive(a.get(), archive_write_open(a.get(), &out, nullptr, append_to_string, nullptr),
                "open");
  std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(),
                                                                  archive_entry_free);
  archive_entry_set_pathname(e.get(), "data");
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
  check_archive(a.get(), archive_write_header(a.get(), e.get()), "header");
  if (!data.empty() && archive_write_data(a.get(), data.data(), data.size()) < 0)
    FAIL("compress: " << archive_error_string(a.get()));
  check_archive(a.get(), archive_write_close(a.get()), "close");
  return out;
}

std::string layer_media_type(Compression compression) {
  switch (compression) {
    case Compression::gzip:
      return "application/vnd.oci.image.layer.v1.tar+gzip";
    case Compression::zstd:
      return "application/vnd.oci.image.layer.v1.tar+zstd";
    default:
      return "application/vnd.oci.image.layer.v1.tar";
  }
}

nlohmann::json Platform::to_json() const {
  nlohmann::json j = {{"architecture", architecture}, {"os", os}};
  if (!variant.empty()) j["variant"] = variant;
  return j;
}

nlohmann::json Descriptor::to_json() const {
  nlohmann::json j = {{"mediaType", media_type}, {"digest", digest}, {"size", size}};
  if (!platform.is_null()) j["platform"] = platform;
  if (!annotations.is_null()) j["annotations"] = annotations;
  return j;
}

OciLayoutBuilder::OciLayoutBuilder(std::string dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_ + "/blobs/sha256");
  write_file(dir_ + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  write_index_json();
  reset_image();
}

std::string OciLayoutBuilder::blob_path(const std::string& digest) const {
  return dir_ + "/blobs/sha256/" + digest.substr(digest.find(':') + 1);
}

Descriptor OciLayoutBuilder::add_blob(const std::string& bytes, const std::string& media_type) {
  Descriptor d;
  d.media_type = media_type;
  d.digest = sha256_digest(bytes);
  d.size = static_cast<std::int64_t>(bytes.size());
  write_file(blob_path(d.digest), bytes);
  return d;
}

Layer OciLayoutBuilder::add_layer(const std::string& tar, Compression compression) {
  Layer layer{add_blob(compress(tar, compression), layer_media_type(compression)),
              sha256_digest(tar)};
  layers_.push_back(layer);
  return layer;
}

void OciLayoutBuilder::set_platform(const Platform& platform) {
  config_["os"] = platform.os;
  config_["architecture"] = platform.architecture;
  if (platform.variant.empty())
    config_.erase("variant");
  else
    config_["variant"] = platform.variant;
}

void OciLayoutBuilder::reset_image() {
  config_ = default_config();
  layers_.clear();
}

Descriptor OciLayoutBuilder::write_manifest() {
  nlohmann::json diff_ids = nlohmann::json::array();
  nlohmann::json layers = nlohmann::json::array();
  for (auto& l : layers_) {
    diff_ids.push_back(l.diff_id);
    layers.push_back(l.descriptor.to_json());
  }
  config_["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
  Platform platform{config_.value("os", "linux"), config_.value("architecture", "amd64"),
                    config_.value("variant", "")};
  Descriptor config = add_blob(config_.dump(), kOciConfig);
  nlohmann::json manifest = {{"schemaVersion", 2},
                             {"mediaType", kOciManifest},
                             {"config", config.to_json()},
                             {"layers", layers}};
  Descriptor d = add_blob(manifest.dump(), kOciManifest);
  d.platform = platform.to_json();
  reset_image();
  return d;
}

void OciLayoutBuilder::tag(Descriptor manifest, const std::string& tag) {
  // One entry per tag: tagging again moves the tag.
  std::erase_if(tagged_, [&](const Descriptor& d) {
    return d.annotations.value("org.opencontainers.image.ref.name", "") == tag;
  });
  manifest.platform = nullptr;
  manifest.annotations = {{"org.opencontainers.image.ref.name", tag}};
  tagged_.push_back(manifest);
  write_index_json();
}

Descriptor OciLayoutBuilder::write_image(const std::string& tag_name) {
  Descriptor d = write_manifest();
  tag(d, tag_name);
  return d;
}

Descriptor OciLayoutBuilder::add_platform_manifest(const Platform& platform) {
  set_platform(platform);
  Descriptor d = write_manifest();
  pending_index_.push_back(d);
  return d;
}

Descriptor OciLayoutBuilder::add_attestation_manifest(const Descriptor& subject) {
  nlohmann::json statement = {
      {"_type", "https://in-toto.io/Statement/v0.1"},
      {"predicateType", "https://spdx.dev/Document"},
      {"subject", {{{"name", "_"}, {"digest", {{"sha256", subject.digest.substr(7)}}}}}},
      {"predicate", {{"spdxVersion", "SPDX-2.3"}}}};
  Descriptor layer = add_blob(statement.dump(), "application/vnd.in-toto+json");
  layer.annotations = {{"in-toto.io/predicate-type", "https://spdx.dev/Document"}};
  nlohmann::json config = {{"architecture", "unknown"},
                           {"os", "unknown"},
                           {"config", nlohmann::json::object()},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", {layer.digest}}}}};
  Descriptor config_d = add_blob(config.dump(), kOciConfig);
  nlohmann::json manifest = {{"schemaVersion", 2},
                             {"mediaType", kOciManifest},
                             {"config", config_d.to_json()},
                             {"layers", {layer.to_json()}}};
  Descriptor d = add_blob(manifest.dump(), kOciManifest);
  d.platform = Platform{"unknown", "unknown", ""}.to_json();
  d.annotations = {{"vnd.docker.reference.digest", subject.digest},
                   {"vnd.docker.reference.type", "attestation-manifest"}};
  pending_index_.push_back(d);
  return d;
}

Descriptor OciLayoutBuilder::write_index(const std::string& tag_name) {
  nlohmann::json manifests = nlohmann::json::array();
  for (auto& d : pending_index_) manifests.push_back(d.to_json());
  nlohmann::json index = {{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", manifests}};
  pending_index_.clear();
  Descriptor d = add_blob(index.dump(), kOciIndex);
  tag(d, tag_name);
  return d;
}

void OciLayoutBuilder::write_index_json() {
  nlohmann::json manifests = nlohmann::json::array();
  for (auto& d : tagged_) manifests.push_back(d.to_json());
  nlohmann::json index = {{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", manifests}};
  write_file(dir_ + "/index.json", index.dump());
}

// ---- TarBuilder ---------------------------------------------------------------------------

TarBuilder::Entry& TarBuilder::add(const std::string& name, unsigned type, Attrs attrs,
                                   unsigned default_mode) {
  Entry& e = entries_.emplace_back();
  e.name = name;
  e.type = type;
  e.attrs = attrs;
  if (e.attrs.mode == 0) e.attrs.mode = default_mode;
  return e;
}

TarBuilder& TarBuilder::file(const std::string& name, const std::string& data, Attrs attrs) {
  add(name, AE_IFREG, attrs, 0644).data = data;
  return *this;
}

TarBuilder& TarBuilder::directory(const std::string& name, Attrs attrs) {
  add(name, AE_IFDIR, attrs, 0755);
  return *this;
}

TarBuilder& TarBuilder::symlink(const std::string& name, const std::string& target, Attrs attrs) {
  add(name, AE_IFLNK, attrs, 0777).link_target = target;
  return *this;
}

TarBuilder& TarBuilder::hardlink(const std::string& name, const std::string& target, Attrs attrs) {
  Entry& e = add(name, AE_IFREG, attrs, 0644);
  e.link_target = target;
  e.hard_link = true;
  return *this;
}

TarBuilder& TarBuilder::device(const std::string& name, unsigned type, unsigned major,
                               unsigned minor, Attrs attrs, unsigned default_mode) {
  Entry& e = add(name, type, attrs, default_mode);
  e.rdev_major = major;
  e.rdev_minor = minor;
  return *this;
}

TarBuilder& TarBuilder::char_device(const std::string& name, unsigned major, unsigned minor,
                                    Attrs attrs) {
  return device(name, AE_IFCHR, major, minor, attrs, 0666);
}

TarBuilder& TarBuilder::block_device(const std::string& name, unsigned major, unsigned minor,
                                     Attrs attrs) {
  return device(name, AE_IFBLK, major, minor, attrs, 0660);
}

TarBuilder& TarBuilder::fifo(const std::string& name, Attrs attrs) {
  add(name, AE_IFIFO, attrs, 0644);
  return *this;
}

std::string TarBuilder::bytes() const {
  ArchiveWriter a(archive_write_new());
  check_archive(a.get(), archive_write_set_format_pax_restricted(a.get()), "pax format");
  std::string out;
  check_archive(a.get(), archive_write_open(a.get(), &out, nullptr, append_to_string, nullptr),
                "open");
  for (auto& e : entries_) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                        archive_entry_free);
    archive_entry* p = entry.get();
    archive_entry_set_pathname(p, e.name.c_str());
    archive_entry_set_filetype(p, e.type);
    archive_entry_set_perm(p, e.attrs.mode);
    archive_entry_set_uid(p, e.attrs.uid);
    archive_entry_set_gid(p, e.attrs.gid);
    archive_entry_set_mtime(p, e.attrs.mtime, 0);
    if (e.hard_link) {
      archive_entry_set_hardlink(p, e.link_target.c_str());
      archive_entry_set_size(p, 0);
    } else if (e.type == AE_IFLNK) {
      archive_entry_set_symlink(p, e.link_target.c_str());
    } else if (e.type == AE_IFCHR || e.type == AE_IFBLK) {
      archive_entry_set_rdevmajor(p, e.rdev_major);
      archive_entry_set_rdevminor(p, e.rdev_minor);
    }
    if (e.type == AE_IFREG && !e.hard_link)
      archive_entry_set_size(p, static_cast<la_int64_t>(e.data.size()));
    check_archive(a.get(), archive_write_header(a.get(), p), e.name.c_str());
    if (!e.data.empty() && archive_write_data(a.get(), e.data.data(), e.data.size()) < 0)
      FAIL("tar data for " << e.name << ": " << archive_error_string(a.get()));
  }
  check_archive(a.get(), archive_write_close(a.get()), "close");
  return out;
}

}  // namespace asup::it
