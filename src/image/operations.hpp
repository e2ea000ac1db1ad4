// The image requests' work on the store, answered with the protocol's typed results: what
// `images`, `rmi`, `image inspect` and `image prune` do, apart from the asking. The engine
// supplies what only it knows, which containers use which image, and runs these where they
// must run (rmi and prune on the loop, so that no `run` starts in between on layers being
// deleted; inspect on the worker pool, since it reads config documents).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/replies.hpp"
#include "api/requests.hpp"
#include "image/store.hpp"

namespace asup::image {

// The id of a container using the image `image_id`, if any does.
using ContainerUsingImage = std::function<std::optional<std::string>(const std::string& image_id)>;

// users: image id -> how many containers use it.
api::ImagesResult list_images(const Store& store, const std::map<std::string, int>& users);

// One outcome per name, in order. An image a container uses is refused unless forced, and
// then only untagged: the container's root filesystem stands on its layers.
api::OutcomesResult remove_images(Store& store, const api::RmiRequest& request,
                                  const ContainerUsingImage& user_of);

api::InspectResult inspect_images(const Store& store, const std::vector<std::string>& names);

// in_use: the image ids of every container, exited or being removed.
Result<api::ImagePruneResult> prune_images(Store& store, bool all,
                                           const std::set<std::string>& in_use);

}  // namespace asup::image
