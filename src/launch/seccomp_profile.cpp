// The default profile follows moby's profiles/seccomp/default.json for a container with
// Docker's default capabilities. That profile is an allow list; an allow list has to be
// kept in step with every kernel release, so this one is its complement: allow all, fail
// what Docker does not allow. Most of these calls already need a capability the workload
// does not have; the filter is the second wall for the day a kernel bug or a mis-set
// capability lets one through (CVE-2022-0185 went through unshare + fsconfig).
// Also linked into asup-init (-fno-exceptions): no throwing APIs.
#include "launch/seccomp_profile.hpp"

#include <sched.h>

#include <cerrno>

namespace asup::launch {
namespace {

// Every call here fails with EPERM, whatever its arguments. Names a libseccomp does not
// know, or that do not exist on an architecture, are skipped when the filter is built.
constexpr const char* kDenied[] = {
    // Mounting, old and new mount API: CAP_SYS_ADMIN, and the way into most filesystem
    // bugs (fsconfig was CVE-2022-0185).
    "mount", "umount", "umount2", "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig",
    "fsmount", "fspick", "pivot_root",
    // Making or joining namespaces: a user namespace hands back every capability inside it,
    // and with it the kernel's whole privileged surface.
    "unshare", "setns",
    // Kernel modules, kexec, reboot.
    "create_module", "init_module", "finit_module", "delete_module", "get_kernel_syms",
    "query_module", "kexec_load", "kexec_file_load", "reboot",
    // The clock is not namespaced: setting it sets the host's.
    "clock_settime", "clock_adjtime", "settimeofday", "stime",
    // Host-wide or obsolete: process accounting, swap, quotas, nfsd, old sysfs/sysctl
    // interfaces, uselib, ustat, oprofile's lookup_dcookie.
    "acct", "swapon", "swapoff", "quotactl", "quotactl_fd", "nfsservctl", "sysfs", "_sysctl",
    "uselib", "ustat", "lookup_dcookie",
    // The kernel keyring is not namespaced.
    "add_key", "keyctl", "request_key",
    // Looking into other processes and the kernel: ptrace and cross-process memory, kcmp,
    // perf, BPF, and userfaultfd (the usual way to hold a kernel race window open).
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "perf_event_open", "bpf",
    "userfaultfd",
    // File handles skip path permission checks: open_by_handle_at opened host files from
    // a container ("shocker", 2014).
    "name_to_handle_at", "open_by_handle_at",
    // NUMA memory policy (CAP_SYS_NICE in Docker's profile).
    "get_mempolicy", "set_mempolicy", "mbind", "move_pages",
    // x86 I/O ports and virtual 8086 mode.
    "ioperm", "iopl", "vm86", "vm86old"};

// clone() with any of these flags would make a namespace; threads and plain forks pass.
// CLONE_NEWTIME is missing on purpose: its bit is part of CSIGNAL for clone(), so only
// clone3 and unshare can ask for it, and both fail.
constexpr std::uint64_t kNamespaceFlags[] = {CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
                                             CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
                                             CLONE_NEWNET};

// s390 swaps clone's first two arguments (moby's profile has a rule for each).
#if defined(__s390__) || defined(__s390x__)
constexpr unsigned kCloneFlagsArg = 1;
#else
constexpr unsigned kCloneFlagsArg = 0;
#endif

// personality(2) personas Docker allows: PER_LINUX (0) with any mix of PER_LINUX32 and
// UNAME26, and 0xffffffff, which only asks for the current persona.
constexpr std::uint64_t kPersonaFlags = 0x0008 /* PER_LINUX32 */ | 0x0020000 /* UNAME26 */;
constexpr std::uint64_t kPersonaQuery = 0xffffffff;

std::uint64_t bit(unsigned n) {
  return std::uint64_t{1} << n;
}

// "Fail unless the value is one of these" needs one rule per piece of the complement.
// Above 32 bits: one Above rule. Below: a value fails iff it has a bit set outside
// kPersonaFlags and is not 0xffffffff, i.e. it also has a clear bit. Walking the 32 bits
// in a circle from any set bit outside the flags, the first clear bit met lies after the
// last such set bit passed and no later than the next bit outside the flags. So one rule
// per (set bit b outside the flags, clear bit c in the stretch after b up to the next bit
// outside the flags) covers every failing value and no allowed one: 32 rules.
void add_personality_rules(std::vector<SeccompRule>& rules) {
  rules.push_back({"personality", EPERM, ArgTest::Above, 0, 0, kPersonaQuery});
  std::vector<unsigned> free_bits;
  for (unsigned b = 0; b < 32; ++b) {
    if ((kPersonaFlags & bit(b)) == 0) free_bits.push_back(b);
  }
  for (std::size_t i = 0; i < free_bits.size(); ++i) {
    const unsigned set = free_bits[i];
    const unsigned next = free_bits[(i + 1) % free_bits.size()];
    for (unsigned clear = (set + 1) % 32;; clear = (clear + 1) % 32) {
      rules.push_back(
          {"personality", EPERM, ArgTest::MaskedEq, 0, bit(set) | bit(clear), bit(set)});
      if (clear == next) break;
    }
  }
}

}  // namespace

std::vector<SeccompRule> default_seccomp_profile() {
  std::vector<SeccompRule> rules;
  for (const char* name : kDenied) rules.push_back({name, EPERM});
  for (std::uint64_t flag : kNamespaceFlags)
    rules.push_back({"clone", EPERM, ArgTest::MaskedEq, kCloneFlagsArg, flag, flag});
  // clone3 passes its flags behind a pointer the filter cannot read. ENOSYS, as Docker
  // answers, makes glibc (2.34+) and others fall back to clone(), which the rules above see;
  // EPERM would make them give up on starting threads at all.
  rules.push_back({"clone3", ENOSYS});
  add_personality_rules(rules);
  return rules;
}

}  // namespace asup::launch
