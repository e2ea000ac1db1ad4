// The security flags' values that both asupctl and the engine parse, with Docker's texts:
// --ulimit (go-units' ParseUlimit) and which --sysctl keys are namespaced (the CLI's and
// runc's list). One place, so a client and the daemon never disagree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "asup/result.hpp"

namespace asup::api {

struct Ulimit {
  std::string name;  // "nofile"
  std::int64_t soft = 0;
  std::int64_t hard = 0;  // -1: unlimited

  bool operator==(const Ulimit&) const = default;
};

// "NAME=SOFT[:HARD]"; HARD defaults to SOFT. Errors as Docker's:
//   invalid ulimit argument: nofile
//   invalid ulimit type: nofiles
//   strconv.ParseInt: parsing "x": invalid syntax
//   too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`
//   ulimit soft limit must be less than or equal to hard limit: 2048 > 1024
Result<Ulimit> parse_ulimit(std::string_view text);

// RLIMIT_* of a name parse_ulimit accepted (RLIMIT_NOFILE for "nofile"); -1 if unknown.
int ulimit_resource(std::string_view name);

// "KEY=VALUE" whose key is one Docker lets a container set in its own namespaces:
// kernel.msgmax, msgmnb, msgmni, sem, shmall, shmmax, shmmni, shm_rmid_forced, fs.mqueue.*,
// net.*. Otherwise Docker's "sysctl 'TEXT' is not allowed".
Status check_sysctl(std::string_view text);

}  // namespace asup::api
