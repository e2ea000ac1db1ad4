#pragma once

#include "asup/result.hpp"

namespace asup::init {

// Loads the default seccomp filter for the workload (see seccomp.cpp). Must run while the
// process still has CAP_SYS_ADMIN, before capabilities are limited.
Status install_seccomp_filter();

}  // namespace asup::init
