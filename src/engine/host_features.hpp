// run and create fields for what this host has not, refused as Docker's daemon refuses
// them on such a host, so a script learns at create rather than from a container that
// silently lacks what it asked for.
#pragma once

#include "api/requests.hpp"
#include "asup/result.hpp"

namespace asup::engine {

// --storage-opt (overlay quotas need xfs with pquota), --gpus (no device driver),
// --isolation other than "default", --ip6 (no IPv6 network), --link-local-ip,
// --volume-driver other than "local".
Status check_host_features(const api::RunRequest& request);

}  // namespace asup::engine
