// Helpers for the image store tests: temporary directories, tars built with libarchive,
// and image archives (docker save, OCI layout) assembled from them.
#pragma once

// Tests spell out only the fields they care about in designated initializers.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/fs.hpp"
#include "image/digest.hpp"
#include "image/store.hpp"

namespace asup::image::test {

class TempDir {
 public:
  TempDir() {
    std::string templ = "/tmp/asup-image-test-XXXXXX";
    if (!::mkdtemp(templ.data())) FAIL("mkdtemp failed");
    path_ = templ;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() { (void)fs::remove_tree(path_); }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return fs::join(path_, name); }

 private:
  std::string path_;
};

inline std::unique_ptr<Store> open_store(const TempDir& dir) {
  auto store = Store::open(dir.path());
  REQUIRE(store);
  return std::move(store).value();
}

// What a tar entry records besides its name and type.
struct Meta {
  mode_t mode = 0644;
  int uid = 0;
  int gid = 0;
  time_t mtime = 1700000000;
  std::map<std::string, std::string> xattrs = {};
};

// A tar assembled in memory, entry by entry.
class TarBuilder {
 public:
  explicit TarBuilder(const char* filter = nullptr) : a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_);
    if (filter && std::string{filter} == "gzip") archive_write_add_filter_gzip(a_);
    if (filter && std::string{filter} == "zstd") archive_write_add_filter_zstd(a_);
    if (filter && std::string{filter} == "xz") archive_write_add_filter_xz(a_);
    archive_write_set_bytes_in_last_block(a_, 1);
    archive_write_open(a_, &out_, nullptr, &TarBuilder::append, nullptr);
  }
  ~TarBuilder() {
    if (a_) archive_write_free(a_);
  }
  TarBuilder(const TarBuilder&) = delete;
  TarBuilder& operator=(const TarBuilder&) = delete;

  TarBuilder& file(const std::string& name, const std::string& content, Meta meta = {}) {
    return add(name, AE_IFREG, meta, content);
  }
  TarBuilder& dir(const std::string& name, Meta meta = {.mode = 0755}) {
    return add(name, AE_IFDIR, meta, "");
  }
  TarBuilder& symlink(const std::string& name, const std::string& target) {
    return add(name, AE_IFLNK, Meta{.mode = 0777}, "", target);
  }
  TarBuilder& hardlink(const std::string& name, const std::string& target) {
    return add(name, AE_IFREG, Meta{}, "", "", target);
  }
  TarBuilder& chardev(const std::string& name, unsigned major, unsigned minor, Meta meta = {}) {
    return add(name, AE_IFCHR, meta, "", "", "", ::makedev(major, minor));
  }
  TarBuilder& fifo(const std::string& name, Meta meta = {}) {
    return add(name, AE_IFIFO, meta, "");
  }

  // The finished archive.
  std::string bytes() {
    archive_write_close(a_);
    archive_write_free(a_);
    a_ = nullptr;
    return out_;
  }

 private:
  static la_ssize_t append(archive*, void* client, const void* buf, size_t n) {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  }

  TarBuilder& add(const std::string& name, mode_t type, const Meta& meta,
                  const std::string& content, const std::string& symlink = "",
                  const std::string& hardlink = "", dev_t rdev = 0) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, meta.mode);
    archive_entry_set_uid(e, meta.uid);
    archive_entry_set_gid(e, meta.gid);
    archive_entry_set_mtime(e, meta.mtime, 0);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    if (!symlink.empty()) archive_entry_set_symlink(e, symlink.c_str());
    if (!hardlink.empty()) {
      archive_entry_set_hardlink(e, hardlink.c_str());
      archive_entry_set_size(e, 0);
    }
    if (rdev) archive_entry_set_rdev(e, rdev);
    for (const auto& [k, v] : meta.xattrs)
      archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    REQUIRE(archive_write_header(a_, e) == ARCHIVE_OK);
    if (!content.empty())
      REQUIRE(archive_write_data(a_, content.data(), content.size()) ==
              static_cast<la_ssize_t>(content.size()));
    archive_entry_free(e);
    return *this;
  }

  archive* a_;
  std::string out_;
};

inline std::string digest_of(const std::string& data) {
  return "sha256:" + sha256_hex(data);
}
inline std::string hex_of(const std::string& digest) {
  return digest.substr(7);
}

inline std::string config_json(const std::vector<std::string>& diff_ids,
                               const std::vector<std::string>& cmd = {"sh"},
                               const std::string& arch = "amd64") {
  nlohmann::json c{{"architecture", arch},
                   {"os", "linux"},
                   {"created", "2024-01-02T03:04:05.5Z"},
                   {"config", {{"Cmd", cmd}, {"Env", {"PATH=/bin"}}, {"WorkingDir", "/w"}}},
                   {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  return c.dump();
}

// A layer as it goes into an archive: the uncompressed tar, and optionally its compression.
struct Layer {
  std::string tar;         // uncompressed
  std::string blob;        // as stored (== tar when uncompressed)
  std::string media_type;  // OCI media type of `blob`
};

inline Layer plain_layer(std::string tar) {
  return Layer{tar, tar, "application/vnd.oci.image.layer.v1.tar"};
}

// The layer gzip-compressed (libarchive's raw format: the tar's bytes, unchanged).
inline Layer gzip_layer(const std::string& tar) {
  std::string out;
  archive* w = archive_write_new();
  archive_write_set_format_raw(w);
  archive_write_add_filter_gzip(w);
  archive_write_set_bytes_in_last_block(w, 1);
  archive_write_open(
      w, &out, nullptr,
      [](archive*, void* c, const void* b, size_t n) -> la_ssize_t {
        static_cast<std::string*>(c)->append(static_cast<const char*>(b), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  archive_entry* e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_pathname(e, "layer.tar");
  archive_entry_set_size(e, static_cast<la_int64_t>(tar.size()));
  REQUIRE(archive_write_header(w, e) == ARCHIVE_OK);
  REQUIRE(archive_write_data(w, tar.data(), tar.size()) == static_cast<la_ssize_t>(tar.size()));
  archive_entry_free(e);
  archive_write_close(w);
  archive_write_free(w);
  return Layer{tar, out, "application/vnd.oci.image.layer.v1.tar+gzip"};
}

// `docker save` archive (legacy form): manifest.json, HEX.json, ID/layer.tar.
inline std::string docker_save(const std::vector<std::string>& layer_tars,
                               const std::vector<std::string>& repo_tags, std::string config = "") {
  std::vector<std::string> diff_ids;
  for (const auto& t : layer_tars) diff_ids.push_back(digest_of(t));
  if (config.empty()) config = config_json(diff_ids);
  std::string config_name = hex_of(digest_of(config)) + ".json";
  TarBuilder tar;
  nlohmann::json layers = nlohmann::json::array();
  for (size_t i = 0; i < layer_tars.size(); ++i) {
    std::string id = hex_of(digest_of("v1 id " + std::to_string(i) + layer_tars[i]));
    tar.dir(id);
    tar.file(id + "/layer.tar", layer_tars[i]);
    tar.file(id + "/VERSION", "1.0");
    layers.push_back(id + "/layer.tar");
  }
  tar.file(config_name, config);
  nlohmann::json manifest = nlohmann::json::array(
      {{{"Config", config_name}, {"RepoTags", repo_tags}, {"Layers", layers}}});
  tar.file("manifest.json", manifest.dump());
  return tar.bytes();
}

struct OciOptions {
  std::map<std::string, std::string> annotations;
  std::string config;          // default: config_json of the layers' diff ids
  bool wrap_in_index = false;  // index.json -> image index -> manifest
  std::string index_platform_arch = "amd64";
  std::map<std::string, std::string> replace_blobs;  // digest -> different content
  std::vector<std::string> omit_blobs;               // digests left out of the archive
  std::int64_t layer_size_delta = 0;                 // makes the layer descriptors lie
  // Adds the manifest.json of Docker 25+'s `docker save`, which points into the layout.
  std::vector<std::string> docker_repo_tags;
};

// OCI image layout tar holding one image.
inline std::string oci_layout(const std::vector<Layer>& layers, OciOptions opt = {}) {
  std::map<std::string, std::string> blobs;
  std::vector<std::string> diff_ids;
  nlohmann::json layer_descs = nlohmann::json::array();
  for (const auto& l : layers) {
    diff_ids.push_back(digest_of(l.tar));
    std::string d = digest_of(l.blob);
    blobs[d] = l.blob;
    layer_descs.push_back(
        {{"mediaType", l.media_type},
         {"digest", d},
         {"size", static_cast<std::int64_t>(l.blob.size()) + opt.layer_size_delta}});
  }
  std::string config = opt.config.empty() ? config_json(diff_ids) : opt.config;
  blobs[digest_of(config)] = config;
  nlohmann::json manifest{{"schemaVersion", 2},
                          {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                          {"config",
                           {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                            {"digest", digest_of(config)},
                            {"size", config.size()}}},
                          {"layers", layer_descs}};
  std::string manifest_text = manifest.dump();
  blobs[digest_of(manifest_text)] = manifest_text;
  nlohmann::json top{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"digest", digest_of(manifest_text)},
                     {"size", manifest_text.size()}};
  if (opt.wrap_in_index) {
    nlohmann::json index{
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.index.v1+json"},
        {"manifests",
         {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
           {"digest", digest_of(manifest_text)},
           {"size", manifest_text.size()},
           {"platform", {{"os", "linux"}, {"architecture", opt.index_platform_arch}}}}}}};
    std::string index_text = index.dump();
    blobs[digest_of(index_text)] = index_text;
    top = {{"mediaType", "application/vnd.oci.image.index.v1+json"},
           {"digest", digest_of(index_text)},
           {"size", index_text.size()}};
  }
  if (!opt.annotations.empty()) top["annotations"] = opt.annotations;
  nlohmann::json index_json{{"schemaVersion", 2}, {"manifests", {top}}};
  TarBuilder tar;
  if (!opt.docker_repo_tags.empty()) {
    nlohmann::json layer_paths = nlohmann::json::array();
    for (const auto& l : layers) layer_paths.push_back("blobs/sha256/" + hex_of(digest_of(l.blob)));
    tar.file("manifest.json",
             nlohmann::json::array({{{"Config", "blobs/sha256/" + hex_of(digest_of(config))},
                                     {"RepoTags", opt.docker_repo_tags},
                                     {"Layers", layer_paths}}})
                 .dump());
  }
  tar.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  tar.file("index.json", index_json.dump());
  tar.dir("blobs");
  tar.dir("blobs/sha256");
  for (const auto& [digest, content] : blobs) {
    if (std::find(opt.omit_blobs.begin(), opt.omit_blobs.end(), digest) != opt.omit_blobs.end())
      continue;
    auto replaced = opt.replace_blobs.find(digest);
    tar.file("blobs/sha256/" + hex_of(digest),
             replaced == opt.replace_blobs.end() ? content : replaced->second);
  }
  return tar.bytes();
}

// The entries of a tar file in archive order: name and content (directories: "").
inline std::vector<std::pair<std::string, std::string>> read_tar(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_filename(a, path.c_str(), 65536) == ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string content;
    char buf[65536];
    for (la_ssize_t n; (n = archive_read_data(a, buf, sizeof buf)) > 0;)
      content.append(buf, static_cast<size_t>(n));
    out.emplace_back(archive_entry_pathname(e), std::move(content));
  }
  archive_read_free(a);
  return out;
}

inline std::string write(const TempDir& dir, const std::string& name, const std::string& data) {
  std::string path = dir / name;
  REQUIRE(fs::write_file(path, data));
  return path;
}

// The busybox image built by tools/mkimage-busybox, once per test run.
inline const std::string& busybox_tar() {
  static TempDir dir;
  static std::string path = [] {
    std::string out = dir / "busybox.tar";
    std::string cmd = std::string{ASUP_SOURCE_DIR} + "/tools/mkimage-busybox " + out;
    REQUIRE(std::system(cmd.c_str()) == 0);
    return out;
  }();
  return path;
}

inline std::vector<std::string> entries(const std::string& dir) {
  auto names = fs::list_dir(dir);
  REQUIRE(names);
  std::vector<std::string> out = names.value();
  std::sort(out.begin(), out.end());
  return out;
}

inline struct stat lstat_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st;
}

}  // namespace asup::image::test
