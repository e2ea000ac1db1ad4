// Turns a `run` request plus the image's config into a container's config, with Docker's
// rules: --entrypoint replaces the image's Entrypoint and drops its Cmd, CMD arguments
// replace Cmd, -e overrides the image's Env by key, -w and -u override WorkingDir and User.
// Pure functions: unit-tested without a daemon.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/requests.hpp"
#include "asup/result.hpp"
#include "engine/container.hpp"
#include "image/store.hpp"

namespace asup::engine {

// --log-size: the ring lives in asupd's memory and twice over on disk.
inline constexpr std::size_t kMinLogSize = 4 << 10;
inline constexpr std::size_t kMaxLogSize = 256 << 20;

using api::RunRequest;

// Checks what the types alone cannot (image given, sizes and numbers in range, names and
// host names valid) and normalises the network's name.
Result<RunRequest> check_run_request(RunRequest request);

// --cpus: 0.01 up to the CPUs online, in Docker's words.
Status check_cpus(double cpus);

// --oom-score-adj: the kernel's range, -1000..1000, in Docker's words.
Status check_oom_score_adj(std::int64_t value);

// The cgroup limits a run request asks for (devices apart: the launch adds those).
cgroup::Limits run_limits(const RunRequest& request);
// --blkio-weight as Limits holds it: a value out of uint16's range stays out of 10..1000
// for check_limits to refuse, rather than wrapping into it or to 0 ("unset").
std::uint16_t blkio_weight_of(std::int64_t weight);

// Fills argv, env, workdir, user, hostname, volumes, tmpfs, devices, limits of `config` (whose id
// and name are already set).
Status merge_run_config(const RunRequest& request, const image::ImageConfig& image,
                        ContainerConfig& config);

// Env lists merged by key: entries of `overrides` replace same-key entries of `base`.
std::vector<std::string> merge_env(const std::vector<std::string>& base,
                                   const std::vector<std::string>& overrides);

}  // namespace asup::engine
