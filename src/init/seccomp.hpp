// Loads the workload's seccomp program, compiled by asupd (launch::default_seccomp_program)
// and carried in the launch spec.
#pragma once

#include <string_view>

#include "asup/result.hpp"

namespace asup::init {

// Loads a classic BPF program (an array of struct sock_filter) into the calling process,
// and so its exec'ed workload. Needs no_new_privs or CAP_SYS_ADMIN; it sets neither.
Status load_seccomp_program(std::string_view program);

}  // namespace asup::init
