// The health check a container gets: the request's flags over the image's check, as
// Docker merges them, and checked with Docker's texts.
#pragma once

#include <optional>

#include "api/requests.hpp"
#include "asup/result.hpp"
#include "image/store.hpp"

namespace asup::engine {

// --no-healthcheck: Test ["NONE"]; --health-cmd replaces the test (CMD-SHELL); each other
// flag replaces the image's value when set (non-zero). No flag: the image's check.
Result<std::optional<image::HealthConfig>> merge_healthcheck(
    const api::RunRequest& request, const std::optional<image::HealthConfig>& image);

}  // namespace asup::engine
