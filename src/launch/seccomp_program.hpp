// The workload's seccomp filter compiled to classic BPF once per asupd, with libseccomp,
// from the rules in launch::default_seccomp_profile(). asup-init only hands the finished
// program to the kernel: building it there cost every container start its own compile
// (and the allocations and page faults that come with it).
#pragma once

#include <string>

#include "asup/result.hpp"

namespace asup::launch {

// The default filter as an array of struct sock_filter, for the machine's native
// architecture and its 32-bit companion. Compiled on the first call; later calls return
// the same bytes, without a copy.
const Result<std::string>& default_seccomp_program();

}  // namespace asup::launch
