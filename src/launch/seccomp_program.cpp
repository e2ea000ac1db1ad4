// Compiles default_seccomp_profile() with libseccomp. The rules are data in
// src/launch/seccomp_profile.cpp; this file only knows how libseccomp spells them.
#include "launch/seccomp_program.hpp"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <mutex>
#include <string>

#include "asup/unique_fd.hpp"

#include "launch/seccomp_profile.hpp"

namespace asup::launch {
namespace {

struct ReleaseFilter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, ReleaseFilter>;

// The 32-bit ABI a 64-bit kernel also runs: without it in the filter, every system call of
// a 32-bit program would hit the bad-architecture action (kill), and a filter that allowed
// unknown architectures instead could be walked around with int 0x80. x32 needs no entry:
// libseccomp's x86_64 filter sends x32 call numbers to the bad-architecture action.
struct Companion {
  std::uint32_t native, compat;
};
constexpr Companion kCompanions[] = {
    {SCMP_ARCH_X86_64, SCMP_ARCH_X86},
    {SCMP_ARCH_AARCH64, SCMP_ARCH_ARM},
    {SCMP_ARCH_S390X, SCMP_ARCH_S390},
};

Status add_rule(scmp_filter_ctx ctx, const SeccompRule& rule) {
  int nr = seccomp_syscall_resolve_name(rule.syscall);
  if (nr == __NR_SCMP_ERROR) return ok();  // unknown to this libseccomp: nothing to deny
  int rc;
  if (rule.test == ArgTest::Always) {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(rule.error), nr, 0);
  } else {
    scmp_arg_cmp cmp{rule.arg, SCMP_CMP_MASKED_EQ, rule.mask, rule.value};
    if (rule.test == ArgTest::Above) cmp = {rule.arg, SCMP_CMP_GT, rule.value, 0};
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(rule.error), nr, 1, cmp);
  }
  if (rc < 0) return fail(-rc, std::string{"seccomp: rule for "} + rule.syscall);
  return ok();
}

Result<std::string> compile() {
  Filter filter{seccomp_init(SCMP_ACT_ALLOW)};
  scmp_filter_ctx ctx = filter.get();
  if (!ctx) return fail(ENOMEM, "seccomp: init filter");
  // A binary search over call numbers instead of a linear scan: each call the workload
  // makes is judged in fewer steps, and the kernel, which runs the filter for every call
  // number when it is loaded (to cache the always-allowed ones), loads it faster.
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0)
    return fail(-rc, "seccomp: choose the binary tree layout");
  const std::uint32_t native = seccomp_arch_native();
  for (const Companion& c : kCompanions) {
    if (c.native != native) continue;
    if (int rc = seccomp_arch_add(ctx, c.compat); rc < 0 && rc != -EEXIST)
      return fail(-rc, "seccomp: add the 32-bit architecture");
  }
  for (const SeccompRule& rule : default_seccomp_profile()) {
    ASUP_TRY(add_rule(ctx, rule));
  }
  UniqueFd out{::memfd_create("asup-seccomp", MFD_CLOEXEC)};
  if (!out) return fail_errno("seccomp: memfd for the program");
  if (int rc = seccomp_export_bpf(ctx, out.get()); rc < 0)
    return fail(-rc, "seccomp: export the program");
  off_t size = ::lseek(out.get(), 0, SEEK_END);
  if (size <= 0) return fail(EINVAL, "seccomp: the exported program is empty");
  std::string program(static_cast<std::size_t>(size), '\0');
  if (::pread(out.get(), program.data(), program.size(), 0) != size)
    return fail_errno("seccomp: read the exported program");
  return program;
}

}  // namespace

const Result<std::string>& default_seccomp_program() {
  // The first start pays for the compile; call_once keeps any thread's first call safe.
  static std::once_flag once;
  static Result<std::string> program = fail(EINVAL, "unset");
  std::call_once(once, [] { program = compile(); });
  return program;
}

}  // namespace asup::launch
