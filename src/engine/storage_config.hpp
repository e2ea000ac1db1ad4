// A run request's storage merged into a container's config, as Docker does it: -v and
// --mount parsed by the volume module (one parser), each mount's destination checked, and
// an anonymous volume for every path of the image's config.Volumes no user mount covers.
// --volumes-from copies another container's mounts. Pure: unit-tested without a daemon.
#pragma once

#include <optional>
#include <string>

#include "api/requests.hpp"
#include "asup/result.hpp"
#include "engine/container.hpp"
#include "image/store.hpp"

namespace asup::engine {

// -v, --mount and the image's volumes into config.volumes. Errors are Docker's ("Duplicate
// mount point: /data", the parsers' texts).
Status merge_storage(const api::RunRequest& request, const image::ImageConfig& image,
                     ContainerConfig& config);

struct VolumesFrom {
  std::string container;
  std::optional<bool> read_only;  // unset: each mount as the source has it
};

// "CONTAINER[:ro|rw]"; Docker's text for a bad mode: "invalid mode: x".
Result<VolumesFrom> parse_volumes_from(const std::string& text);

// The mounts of `source` (its volumes and binds) join `config`'s where no -v or --mount of
// the user's targets the same path; they replace the image's anonymous volumes there.
void add_volumes_from(const ContainerConfig& source, const VolumesFrom& from,
                      ContainerConfig& config);

}  // namespace asup::engine
