// `image inspect`: Docker's JSON object for an image, from the store's record and the
// image's config document.
#pragma once

#include <nlohmann/json.hpp>

#include "image/store.hpp"

namespace asup::image {

// Id, RepoTags, RepoDigests (familiar forms), Created, Author, Architecture, Variant, Os,
// Size, Config {Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts, StopSignal, Labels,
// Volumes}, RootFS {Type, Layers}. A config that is not valid JSON leaves out what only
// it knows.
nlohmann::json inspect_json(const ImageDetails& details);

}  // namespace asup::image
