// A run request's network options into the container's config, with Docker's rules and
// texts: --add-host, --dns*, --mac-address and --expose read into network::NetOptions, the
// exposed ports published with -P, and the options a container sharing another's network
// namespace (--network container:X) may not have refused. Pure: unit-tested without a daemon.
#pragma once

#include "api/requests.hpp"
#include "asup/result.hpp"
#include "engine/container.hpp"
#include "image/store.hpp"

namespace asup::engine {

Status merge_network_options(const api::RunRequest& request, const image::ImageConfig& image,
                             ContainerConfig& config);

// Docker's refusals for --network container:X with options that belong to a namespace of
// the container's own.
Status check_shared_netns_conflicts(const api::RunRequest& request);

}  // namespace asup::engine
