// The security flags of `run` and `create`, with Docker's spelling and the checks its
// client makes before asking the daemon: --cap-add, --cap-drop, --privileged,
// --security-opt (a seccomp profile file is read here and sent as its JSON, as Docker's
// client does), --read-only, --group-add, --sysctl, --ulimit, --shm-size, --userns.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "api/requests.hpp"
#include "asup/result.hpp"

namespace asup::cli {

struct SecurityFlags {
  std::vector<std::string> cap_add, cap_drop, security_opt, group_add, sysctls, ulimits;
  bool privileged = false, read_only = false;
  std::string shm_size, userns;
};

void add_security_flags(CLI::App& cmd, SecurityFlags& flags);

// The flags into `req`, or Docker's client error: 'invalid argument "X" for "--sysctl"
// flag: sysctl 'X' is not allowed', 'Invalid --security-opt: "X"', "--userns: invalid USER
// mode", "opening seccomp profile (F) failed: ...".
Status add_security(const SecurityFlags& flags, api::RunRequest& req);

// --security-opt as Docker's client rewrites it: seccomp=FILE becomes seccomp=JSON (the
// file's content, compacted); the rest is checked for its form and kept.
Result<std::vector<std::string>> security_opts(const std::vector<std::string>& opts);

}  // namespace asup::cli
