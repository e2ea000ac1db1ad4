// Capabilities of the workload: the set asupd resolved for the container (Docker's
// default, --cap-add/--cap-drop, or every one with --privileged), as a bit mask.
#pragma once

#include <cstdint>

#include "asup/result.hpp"

namespace asup::init {

// Drops every capability outside `mask` (bit N is capability N) from the bounding set.
// Called before the user is switched: setgroups, setgid and setuid still need
// CAP_SETGID and CAP_SETUID, which the mask may not hold.
Status limit_bounding_set(std::uint64_t mask);

// Once the user is switched: permitted and effective become `mask` (what of it the process
// still holds: a non-root user lost them all at setuid, as the kernel treats any setuid
// program and as Docker's non-root workloads start), inheritable and ambient empty, as
// Docker sets them.
Status limit_capabilities(std::uint64_t mask);

}  // namespace asup::init
