// Seccomp profiles compiled to classic BPF with libseccomp, in asupd (or the OCI runtime):
// asup-init only hands the finished program to the kernel. Compiling there would cost every
// container start its own compile (and the allocations and page faults that come with it).
#pragma once

#include <cstdint>
#include <string>

#include "asup/result.hpp"
#include "launch/seccomp_profile.hpp"

namespace asup::launch {

// The profile as an array of struct sock_filter. The filter covers the native
// architecture, and either the profile's architectures or, when it names none, the
// native one's 32-bit companion. Names unknown to this libseccomp are skipped; a rule
// whose action is the default action is redundant and skipped too. A profile that allows
// everything still compiles (to a filter that allows everything): running without a
// filter at all ("seccomp=unconfined") is the caller's choice, not a profile.
Result<std::string> compile_seccomp(const SeccompProfile& profile);

// libseccomp's token for an architecture as Docker's profiles name it ("SCMP_ARCH_X86_64"),
// 0 when this libseccomp does not know it.
std::uint32_t seccomp_arch_token(const std::string& name);

// Docker's default profile for Docker's default capabilities, compiled on the first call;
// later calls return the same bytes, without a copy.
const Result<std::string>& default_seccomp_program();

// Docker's default profile for a container holding `caps`, compiled once per distinct set
// and kept for the daemon's life; Docker's default set is the call above.
const Result<std::string>& default_seccomp_program(CapabilitySet caps);

}  // namespace asup::launch
