// What `inspect` shows of a container's storage, in Docker's shapes: Mounts, HostConfig.Binds
// (the -v entries with a source, as typed), HostConfig.Mounts (--mount, as Docker's Mount
// objects) and Config.Volumes (the image's and -v's anonymous volume paths).
#pragma once

#include <nlohmann/json.hpp>

#include "api/replies.hpp"
#include "engine/container.hpp"

namespace asup::engine {

// Sets doc's "Mounts", doc["HostConfig"]'s "Binds" and "Mounts", doc["Config"]'s "Volumes".
void add_storage_views(const ContainerConfig& config, nlohmann::json& doc);
// The mounts as `ps` lists them (its Mounts and LocalVolumes), by destination.
std::vector<api::MountSummary> mount_summaries(const std::vector<ContainerMount>& mounts);

}  // namespace asup::engine
