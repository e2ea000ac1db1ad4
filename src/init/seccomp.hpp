// The workload's seccomp filter: launch::default_seccomp_profile(), loaded with libseccomp.
#pragma once

#include "asup/result.hpp"

namespace asup::init {

// Loads the default filter into the calling process (and so its exec'ed workload). Needs
// no_new_privs or CAP_SYS_ADMIN; it sets neither.
Status install_seccomp_filter();

}  // namespace asup::init
