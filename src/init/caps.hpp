// Capabilities of the workload: the set asupd resolved for the container (Docker's
// default, --cap-add/--cap-drop, or every one with --privileged), as a bit mask.
#pragma once

#include <cstdint>

#include "asup/result.hpp"

namespace asup::init {

// Drops every capability outside `mask` (bit N is capability N) from the bounding set,
// sets permitted and effective to `mask`, and empties the inheritable and ambient sets,
// as Docker does. Called as root before setuid: a non-root user then loses the rest when
// it changes uid and execs, exactly as the kernel treats any setuid program.
Status limit_capabilities(std::uint64_t mask);

}  // namespace asup::init
