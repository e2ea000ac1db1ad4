// The default seccomp profile as data: which system calls a workload may not make, and
// with which errno they fail instead. Built here (unit-tested without root); asup-init
// loads it with libseccomp (src/init/seccomp.cpp).
#pragma once

#include <cstdint>
#include <vector>

namespace asup::launch {

// libseccomp compares an argument at most once per rule, so every rule carries at most one
// test; "any of these bits" or "none of these values" become several rules (rules for the
// same call are alternatives: any one that matches applies).
enum class ArgTest : std::uint8_t {
  Always,    // the call fails whatever its arguments
  MaskedEq,  // fails when (argument & mask) == value
  Above,     // fails when argument > value
};

struct SeccompRule {
  const char* syscall;  // resolved by name for each architecture the filter covers
  int error;            // errno the call returns instead of running
  ArgTest test = ArgTest::Always;
  unsigned arg = 0;  // which argument the test reads
  std::uint64_t mask = 0;
  std::uint64_t value = 0;

  bool operator==(const SeccompRule&) const = default;
};

// Default-allow, as Docker's default profile ends up for a container with the default
// capabilities: the calls it does not allow fail with EPERM, clone3 with ENOSYS, clone
// with a namespace flag and personality with a persona other than Linux (optionally with
// PER_LINUX32 and UNAME26) or the query 0xffffffff with EPERM.
std::vector<SeccompRule> default_seccomp_profile();

}  // namespace asup::launch
