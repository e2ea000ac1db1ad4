// Capabilities of the workload: Docker's default set.
#pragma once

#include "asup/result.hpp"

namespace asup::init {

// Drops every capability outside Docker's default set from the bounding set, sets
// permitted and effective to that set, and empties the inheritable and ambient sets.
// Called as root before setuid: a non-root user then loses the rest when it changes uid
// and execs, exactly as the kernel treats any setuid program.
Status limit_capabilities();

}  // namespace asup::init
