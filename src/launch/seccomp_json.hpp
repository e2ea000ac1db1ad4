// Docker's JSON seccomp profile (`--security-opt seccomp=FILE`, moby's default.json) parsed
// into a SeccompProfile for one container: includes/excludes (capabilities, architectures,
// minKernel) are decided here against the container's effective capabilities and the
// host, so the result holds only the rules that apply. The only place profile JSON is read.
#pragma once

#include <string_view>

#include "asup/result.hpp"
#include "launch/capabilities.hpp"
#include "launch/seccomp_profile.hpp"

namespace asup::launch {

// Errors are one line naming the field and the cause:
//   seccomp profile: defaultAction: unknown action "SCMP_ACT_FOO"
//   seccomp profile: syscalls[3].args[0].op: unknown operator "SCMP_CMP_FOO"
Result<SeccompProfile> parse_seccomp_profile(std::string_view json, CapabilitySet caps,
                                             const SeccompHost& host = native_seccomp_host());

}  // namespace asup::launch
