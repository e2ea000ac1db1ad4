// The JSON documents of an image: descriptors, indexes, manifests and configs, in their
// OCI and Docker v2 forms (the same fields under different media types).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"
#include "image/store.hpp"

namespace asup::image {

namespace media_type {
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
}  // namespace media_type

// Annotations of index.json entries that name an image: the full reference (containerd,
// Docker 25+) and the tag alone (OCI; what skopeo's oci-archive:FILE:TAG looks up).
namespace annotation {
inline constexpr const char* kImageName = "io.containerd.image.name";
inline constexpr const char* kRefName = "org.opencontainers.image.ref.name";
}  // namespace annotation

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
};

struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:HEX"
  std::int64_t size = -1;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
};

struct Manifest {
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct Config {
  ImageConfig runtime;
  std::vector<std::string> diff_ids;
  std::int64_t created = 0;
  std::string os;
  std::string architecture;
};

bool is_index_type(std::string_view media_type);
bool is_manifest_type(std::string_view media_type);

// The entries of an OCI index or a Docker manifest list (also index.json of a layout).
Result<std::vector<Descriptor>> parse_index(std::string_view text);
Result<Manifest> parse_manifest(std::string_view text);
Result<Config> parse_config(std::string_view text);
// The media type a document declares, or one inferred from its fields when it has none
// (the field is optional in OCI manifests and indexes).
Result<std::string> document_media_type(std::string_view text);

// GOARCH of this host ("amd64", "arm64", ...): images for other architectures do not run.
std::string_view host_architecture();
// An index entry this host can run: linux/HOST; "unknown/unknown" (attestations) never.
bool runs_here(const Platform& platform);

// RFC 3339 ("2024-05-01T12:00:00.123Z", "...+02:00") to unix seconds.
Result<std::int64_t> parse_rfc3339(std::string_view text);
std::string format_rfc3339(std::int64_t seconds);

// An OCI manifest for `config` and `layers`; compact and key-sorted, so the same input
// gives the same bytes (and digest).
std::string make_manifest(const Descriptor& config, const std::vector<Descriptor>& layers);
// The config of an imported root filesystem: one layer, no command.
std::string make_import_config(const std::string& diff_id, std::int64_t created);

}  // namespace asup::image
