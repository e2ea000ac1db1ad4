// A seccomp profile as data, in the terms of Docker's JSON profile format once its
// conditions (includes/excludes of capabilities, architectures, kernel) are resolved for
// one container: a default action, the architectures, and rules. Docker's default profile
// is built here; JSON profiles are parsed in seccomp_json; seccomp_program compiles either
// to BPF with libseccomp, and asup-init only loads the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "launch/capabilities.hpp"

namespace asup::launch {

enum class SeccompActionKind : std::uint8_t {
  Allow,
  Errno,        // the call fails with `value` as errno
  KillThread,   // SCMP_ACT_KILL / SCMP_ACT_KILL_THREAD
  KillProcess,  // SCMP_ACT_KILL_PROCESS
  Trap,         // SIGSYS
  Log,          // allowed, and logged by the kernel
  Trace,        // a ptracer is told, with `value` as the message
};

struct SeccompAction {
  SeccompActionKind kind = SeccompActionKind::Allow;
  std::uint32_t value = 0;  // the errno of Errno, the message of Trace; 0 otherwise

  static SeccompAction allow() { return {}; }
  static SeccompAction fail_with(std::uint32_t error) { return {SeccompActionKind::Errno, error}; }
  bool operator==(const SeccompAction&) const = default;
};

// libseccomp's comparisons, as Docker's "op" names them (SCMP_CMP_NE ...).
enum class ArgOp : std::uint8_t {
  NotEqual,
  Less,
  LessOrEqual,
  Equal,
  GreaterOrEqual,
  Greater,
  MaskedEqual,  // (argument & value) == value_two
};

struct ArgCondition {
  unsigned index = 0;  // 0..5
  ArgOp op = ArgOp::Equal;
  std::uint64_t value = 0;
  std::uint64_t value_two = 0;

  bool operator==(const ArgCondition&) const = default;
};

// A rule applies `action` to each named call when every condition holds. Conditions on
// the same argument index cannot be joined in one libseccomp rule; as runc does, such a
// rule is compiled as one rule per condition (any of them matching applies).
struct SeccompRule {
  std::vector<std::string> names;  // names unknown to this libseccomp are skipped
  SeccompAction action;
  std::vector<ArgCondition> args;

  bool operator==(const SeccompRule&) const = default;
};

struct SeccompProfile {
  SeccompAction default_action;
  // libseccomp names (SCMP_ARCH_X86_64 ...). Empty: the native architecture and its
  // 32-bit companion. The native one is always in the filter.
  std::vector<std::string> architectures;
  std::vector<SeccompRule> rules;
};

// What a profile's includes/excludes are judged against besides capabilities: the
// architecture in Docker's (Go's) spelling and the kernel's version.
struct SeccompHost {
  std::string arch;  // "amd64", "arm64", "386", "arm", "s390x", "ppc64le", "riscv64" ...
  unsigned kernel_major = 0, kernel_minor = 0;
};
SeccompHost native_seccomp_host();

// Docker's default profile for a container holding `caps` (effective set): an allow list
// with EPERM for everything else; clone without namespace flags, clone3 failing with
// ENOSYS, and the calls only a capability makes useful allowed only with it, as in
// moby's profiles/seccomp/default.json. io_uring is not allowed (Docker 25 and later).
SeccompProfile docker_default_seccomp_profile(CapabilitySet caps,
                                              const SeccompHost& host = native_seccomp_host());

}  // namespace asup::launch
