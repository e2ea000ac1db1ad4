// How libseccomp spells a SeccompProfile. The rules themselves are data
// (seccomp_profile.cpp, seccomp_json.cpp).
#include "launch/seccomp_program.hpp"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "asup/unique_fd.hpp"

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

std::uint32_t action_code(const SeccompAction& action) {
  switch (action.kind) {
    case SeccompActionKind::Allow:
      return SCMP_ACT_ALLOW;
    case SeccompActionKind::Errno:
      return SCMP_ACT_ERRNO(action.value);
    case SeccompActionKind::KillThread:
      return SCMP_ACT_KILL_THREAD;
    case SeccompActionKind::KillProcess:
      return SCMP_ACT_KILL_PROCESS;
    case SeccompActionKind::Trap:
      return SCMP_ACT_TRAP;
    case SeccompActionKind::Log:
      return SCMP_ACT_LOG;
    case SeccompActionKind::Trace:
      return SCMP_ACT_TRACE(action.value);
  }
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare compare_code(ArgOp op) {
  switch (op) {
    case ArgOp::NotEqual:
      return SCMP_CMP_NE;
    case ArgOp::Less:
      return SCMP_CMP_LT;
    case ArgOp::LessOrEqual:
      return SCMP_CMP_LE;
    case ArgOp::Equal:
      return SCMP_CMP_EQ;
    case ArgOp::GreaterOrEqual:
      return SCMP_CMP_GE;
    case ArgOp::Greater:
      return SCMP_CMP_GT;
    case ArgOp::MaskedEqual:
      return SCMP_CMP_MASKED_EQ;
  }
  return _SCMP_CMP_MIN;
}

scmp_arg_cmp comparison(const ArgCondition& c) {
  return {c.index, compare_code(c.op), c.value, c.value_two};
}

Status add_architectures(scmp_filter_ctx ctx, const SeccompProfile& profile) {
  const std::uint32_t native = seccomp_arch_native();
  std::vector<std::uint32_t> arches;
  for (const Companion& c : kCompanions) {
    if (profile.architectures.empty() && c.native == native) arches.push_back(c.compat);
  }
  for (const auto& name : profile.architectures) {
    std::uint32_t arch = seccomp_arch_token(name);
    if (arch == 0) return fail(EINVAL, "seccomp: unknown architecture " + name);
    arches.push_back(arch);
  }
  for (std::uint32_t arch : arches) {
    if (int rc = seccomp_arch_add(ctx, arch); rc < 0 && rc != -EEXIST)
      return fail(-rc, "seccomp: add architecture " + std::to_string(arch));
  }
  return ok();
}

bool repeats_an_index(const std::vector<ArgCondition>& args) {
  std::set<unsigned> seen;
  for (const auto& c : args) {
    if (!seen.insert(c.index).second) return true;
  }
  return false;
}

Status add_rule(scmp_filter_ctx ctx, const SeccompRule& rule) {
  const std::uint32_t action = action_code(rule.action);
  std::vector<scmp_arg_cmp> all;
  for (const auto& c : rule.args) all.push_back(comparison(c));
  for (const auto& name : rule.names) {
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // unknown to this libseccomp
    int rc = 0;
    if (repeats_an_index(rule.args)) {
      // libseccomp refuses two comparisons of one argument in a rule: each becomes a rule.
      for (const auto& cmp : all) {
        rc = seccomp_rule_add_array(ctx, action, nr, 1, &cmp);
        if (rc < 0) break;
      }
    } else {
      rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(all.size()),
                                  all.empty() ? nullptr : all.data());
    }
    if (rc < 0) return fail(-rc, "seccomp: rule for " + name);
  }
  return ok();
}

Result<std::string> export_program(scmp_filter_ctx ctx) {
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

std::uint32_t seccomp_arch_token(const std::string& name) {
  // libseccomp's own names are Docker's without the prefix, in lower case.
  constexpr std::string_view kPrefix = "SCMP_ARCH_";
  if (name.size() <= kPrefix.size() || name.compare(0, kPrefix.size(), kPrefix) != 0) return 0;
  std::string token;
  for (char c : name.substr(kPrefix.size()))
    token.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return seccomp_arch_resolve_name(token.c_str());
}

Result<std::string> compile_seccomp(const SeccompProfile& profile) {
  const std::uint32_t default_action = action_code(profile.default_action);
  Filter filter{seccomp_init(default_action)};
  scmp_filter_ctx ctx = filter.get();
  if (!ctx) return fail(EINVAL, "seccomp: init filter");
  // A binary search over call numbers instead of a linear scan: each call the workload
  // makes is judged in fewer steps, and the kernel, which runs the filter for every call
  // number when it is loaded (to cache the always-allowed ones), loads it faster.
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0)
    return fail(-rc, "seccomp: choose the binary tree layout");
  ASUP_TRY(add_architectures(ctx, profile));
  for (const SeccompRule& rule : profile.rules) {
    // libseccomp refuses a rule with the default action (EACCES); it would change nothing.
    if (action_code(rule.action) == default_action) continue;
    ASUP_TRY(add_rule(ctx, rule));
  }
  return export_program(ctx);
}

const Result<std::string>& default_seccomp_program() {
  // The first start pays for the compile; call_once keeps any thread's first call safe.
  static std::once_flag once;
  static Result<std::string> program = fail(EINVAL, "unset");
  std::call_once(once, [] {
    program = compile_seccomp(docker_default_seccomp_profile(docker_default_capabilities()));
  });
  return program;
}

const Result<std::string>& default_seccomp_program(CapabilitySet caps) {
  if (caps == docker_default_capabilities()) return default_seccomp_program();
  // Few distinct sets ever occur (--cap-add SYS_ADMIN, --cap-drop ALL ...): each is compiled
  // once, on the first start that holds it. std::map keeps references to its values valid.
  static std::mutex lock;
  static std::map<CapabilitySet, Result<std::string>> programs;
  std::lock_guard guard{lock};
  auto it = programs.find(caps);
  if (it == programs.end())
    it = programs.emplace(caps, compile_seccomp(docker_default_seccomp_profile(caps))).first;
  return it->second;
}

}  // namespace asup::launch
