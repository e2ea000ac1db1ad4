// The default seccomp filter: everything is allowed except what Docker's default profile
// keeps from a container with the default capabilities. Most of these calls already need
// a capability the workload does not have; the filter is the second wall for the day a
// kernel bug or a mis-set capability lets one through (CVE-2022-0185 went through
// unshare + fsconfig, for example).
#include "init/seccomp.hpp"

#include <sched.h>
#include <seccomp.h>

#include <cerrno>
#include <string>

namespace asup::init {
namespace {

// Kernel modules, kexec, reboot, clocks, swap, quotas, keyrings, tracing and cross-process
// memory access, BPF, perf, NUMA policy, userfaultfd, and every way to mount or to make
// or join namespaces. Names this libseccomp does not know on this arch are skipped.
constexpr const char* kDenied[] = {
    "acct",
    "add_key",
    "bpf",
    "clock_adjtime",
    "clock_settime",
    "create_module",
    "delete_module",
    "finit_module",
    "get_kernel_syms",
    "get_mempolicy",
    "init_module",
    "ioperm",
    "iopl",
    "kcmp",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "lookup_dcookie",
    "mbind",
    "mount",
    "mount_setattr",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_pages",
    "name_to_handle_at",
    "nfsservctl",
    "open_by_handle_at",
    "perf_event_open",
    "pivot_root",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
    "query_module",
    "quotactl",
    "quotactl_fd",
    "reboot",
    "request_key",
    "set_mempolicy",
    "setns",
    "settimeofday",
    "stime",
    "swapon",
    "swapoff",
    "sysfs",
    "_sysctl",
    "umount",
    "umount2",
    "unshare",
    "uselib",
    "userfaultfd",
    "ustat",
    "vm86",
    "vm86old",
};

// clone() with any of these flags would make a namespace.
constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWNS,    CLONE_NEWUTS, CLONE_NEWIPC,
                                             CLONE_NEWUSER,  CLONE_NEWPID, CLONE_NEWNET,
                                             CLONE_NEWCGROUP};

struct FilterContext {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  ~FilterContext() {
    if (ctx) seccomp_release(ctx);
  }
};

}  // namespace

Status install_seccomp_filter() {
  FilterContext f;
  if (!f.ctx) return fail(ENOMEM, "seccomp: init filter");
  // The caller still holds CAP_SYS_ADMIN; no_new_privs is the spec's separate decision.
  if (int rc = seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_NNP, 0); rc < 0)
    return fail(-rc, "seccomp: clear the no_new_privs attribute");
  for (const char* name : kDenied) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;
    if (int rc = seccomp_rule_add(f.ctx, SCMP_ACT_ERRNO(EPERM), nr, 0); rc < 0)
      return fail(-rc, std::string("seccomp: deny ") + name);
  }
  for (unsigned long flag : kNamespaceFlags) {
    if (int rc = seccomp_rule_add(f.ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
        rc < 0)
      return fail(-rc, "seccomp: deny clone with namespace flags");
  }
  // clone3 passes its flags behind a pointer the filter cannot read. ENOSYS, as Docker
  // answers, makes glibc fall back to clone(), whose flags the rules above do see.
  if (int rc = seccomp_rule_add(f.ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0); rc < 0)
    return fail(-rc, "seccomp: deny clone3");
  if (int rc = seccomp_load(f.ctx); rc < 0) return fail(-rc, "seccomp: load filter");
  return ok();
}

}  // namespace asup::init
