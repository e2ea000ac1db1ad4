// A container's mount as config.json keeps it: the volume module's parsed MountSpec, where
// it came from (which decides how inspect shows it and whether `rm -v` removes its volume)
// and, once the volume is claimed, the host path bound into the container.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "volume/mount_spec.hpp"

namespace asup::engine {

enum class MountOrigin {
  volume_flag,   // -v, as typed in `text` (HostConfig.Binds, or Config.Volumes when anonymous)
  mount_flag,    // --mount (HostConfig.Mounts)
  image,         // the image's config.Volumes (Config.Volumes)
  volumes_from,  // --volumes-from, a copy of another container's mount
};

struct ContainerMount {
  volume::MountSpec spec;  // a volume's source is its name, anonymous ones' too once claimed
  MountOrigin origin = MountOrigin::volume_flag;
  std::string text;        // the flag as typed (-v, --mount)
  bool anonymous = false;  // a volume made for this container: rm -v and --rm remove it
  std::string host_path;   // what is bound: a bind's source or the volume's _data

  bool operator==(const ContainerMount&) const = default;
};

nlohmann::json mounts_to_json(const std::vector<ContainerMount>& mounts);
// config.json's "volumes"; entries of an older asupd ({host, container, ro}) read as -v binds.
std::vector<ContainerMount> mounts_from_json(const nlohmann::json& j);

}  // namespace asup::engine
