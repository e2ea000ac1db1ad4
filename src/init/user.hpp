// The workload's user, resolved against the container's /etc/passwd and /etc/group with
// Docker's (runc's) rules.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"

namespace asup::init {

struct ExecUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups for setgroups
  std::string home = "/";
};

// `spec` is "", "user", "user:group" where each side is a name or a number. A name must
// exist; a number need not ("1234" runs as uid 1234, gid 0). Supplementary groups come from
// the groups listing the user's name, and only when no group was given. Absent files
// (nullopt) count as empty.
Result<ExecUser> resolve_user(std::string_view spec, const std::optional<std::string>& passwd,
                              const std::optional<std::string>& group);

// Same, reading /etc/passwd and /etc/group of the current root.
Result<ExecUser> resolve_user(std::string_view spec);

// --group-add, as runc resolves it: each entry is a group's name or number in `group`, or
// else any number; appended to user.groups (once). A name that is not there fails with
// "Unable to find group NAME: no matching entries in group file".
Status add_groups(ExecUser& user, const std::vector<std::string>& entries,
                  const std::optional<std::string>& group);

// Same, reading /etc/group of the current root (only when there is something to add).
Status add_groups(ExecUser& user, const std::vector<std::string>& entries);

}  // namespace asup::init
