// --restart as Docker spells it (no | on-failure[:N] | always | unless-stopped), parsed in
// one place for every front end and the engine, with Docker's error texts.
#pragma once

#include <string>
#include <string_view>

#include "asup/result.hpp"

namespace asup::api {

struct RestartPolicy {
  enum class Mode { No, OnFailure, Always, UnlessStopped };
  Mode mode = Mode::No;
  int max_retries = 0;  // on-failure only; 0: no limit

  bool none() const { return mode == Mode::No; }
  // "no", "on-failure", "always", "unless-stopped": inspect's HostConfig.RestartPolicy.Name
  std::string name() const;
  // As typed back: "on-failure:3"
  std::string text() const;
  friend bool operator==(const RestartPolicy&, const RestartPolicy&) = default;
};

// "" is "no". Errors are Docker's: "invalid restart policy: unknown policy 'x'; use one of
// 'no', 'always', 'on-failure', or 'unless-stopped'", and those of a bad retry count.
Result<RestartPolicy> parse_restart_policy(std::string_view text);

}  // namespace asup::api
