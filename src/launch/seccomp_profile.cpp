// Docker's default seccomp profile, written from the Linux system call table and Docker's
// documented behaviour ("Seccomp security profiles for Docker"). It is an allow list: a
// call nobody listed, including every call newer than this list, fails with EPERM. The
// calls that only a capability makes useful (mount with CAP_SYS_ADMIN, reboot with
// CAP_SYS_BOOT ...) are allowed only to a container that holds the capability, so that
// --cap-add keeps working and the filter stays the second wall for everyone else.
#include "launch/seccomp_profile.hpp"

#include <linux/capability.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <initializer_list>

namespace asup::launch {
namespace {

using Names = std::initializer_list<const char*>;

// Allowed to every container, by subject. 32-bit and old variants are listed beside their
// modern call: the filter covers the 32-bit ABI too, and a name an architecture lacks is
// skipped for it.
constexpr Names kFiles = {
    "access", "faccessat", "faccessat2", "chdir", "fchdir", "getcwd", "chmod", "fchmod", "fchmodat",
    "fchmodat2", "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32",
    "creat", "open", "openat", "openat2", "close", "close_range", "dup", "dup2", "dup3", "fcntl",
    "fcntl64", "flock", "link", "linkat", "symlink", "symlinkat", "unlink", "unlinkat", "rename",
    "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "mknod", "mknodat", "readlink",
    "readlinkat", "getdents", "getdents64", "stat", "stat64", "lstat", "lstat64", "fstat",
    "fstat64", "fstatat64", "newfstatat", "statx", "statfs", "statfs64", "fstatfs", "fstatfs64",
    "truncate", "truncate64", "ftruncate", "ftruncate64", "fallocate", "fadvise64", "fadvise64_64",
    "readahead", "fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "umask", "utime",
    "utimes", "utimensat", "utimensat_time64", "futimesat", "cachestat", "copy_file_range",
    "sendfile", "sendfile64", "splice", "tee", "vmsplice",
    // A handle is harmless; opening one (open_by_handle_at) needs CAP_DAC_READ_SEARCH.
    "name_to_handle_at",
    // Extended attributes.
    "getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr", "listxattr",
    "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr"};

constexpr Names kInputOutput = {
    "read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev",
    "pwritev2", "lseek", "_llseek", "ioctl",
    // Waiting for descriptors and events.
    "poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64",
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait", "epoll_wait_old",
    "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd", "signalfd4", "timerfd_create",
    "timerfd_settime", "timerfd_settime64", "timerfd_gettime", "timerfd_gettime64", "inotify_init",
    "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark",
    // POSIX AIO. Not io_uring: Docker 25 stopped allowing io_uring_setup, io_uring_enter and
    // io_uring_register, the source of a long run of kernel privilege escalations.
    "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
    "io_pgetevents_time64"};

constexpr Names kMemory = {"brk",
                           "mmap",
                           "mmap2",
                           "munmap",
                           "mremap",
                           "mprotect",
                           "pkey_mprotect",
                           "pkey_alloc",
                           "pkey_free",
                           "madvise",
                           "mincore",
                           "msync",
                           "mlock",
                           "mlock2",
                           "mlockall",
                           "munlock",
                           "munlockall",
                           "membarrier",
                           "memfd_create",
                           "memfd_secret",
                           "remap_file_pages",
                           "map_shadow_stack"};

constexpr Names kProcesses = {
    "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "waitpid",
    "set_tid_address", "set_robust_list", "get_robust_list", "futex", "futex_time64", "futex_waitv",
    "futex_wait", "futex_wake", "futex_requeue", "rseq", "get_thread_area", "set_thread_area",
    "gettid", "getpid", "getppid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid", "prctl",
    "seccomp", "capget", "capset", "restart_syscall", "pidfd_open", "pidfd_send_signal",
    "process_mrelease", "getcpu", "uname", "sysinfo", "getrandom", "landlock_create_ruleset",
    "landlock_add_rule", "landlock_restrict_self",
    // Identity: the kernel checks CAP_SETUID/CAP_SETGID itself.
    "getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid", "getegid32",
    "getresuid", "getresuid32", "getresgid", "getresgid32", "getgroups", "getgroups32", "setuid",
    "setuid32", "setgid", "setgid32", "setreuid", "setreuid32", "setregid", "setregid32",
    "setresuid", "setresuid32", "setresgid", "setresgid32", "setfsuid", "setfsuid32", "setfsgid",
    "setfsgid32", "setgroups", "setgroups32",
    // Scheduling and resource limits.
    "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getattr", "sched_setattr",
    "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",
    "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
    "sched_rr_get_interval_time64", "getpriority", "setpriority", "ioprio_get", "ioprio_set",
    "getrlimit", "ugetrlimit", "setrlimit", "prlimit64", "getrusage", "times"};

constexpr Names kSignalsAndTime = {
    "kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigqueueinfo",
    "rt_tgsigqueueinfo", "sigaltstack", "sigprocmask", "sigreturn", "pause", "alarm", "time",
    "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64",
    "clock_nanosleep", "clock_nanosleep_time64", "nanosleep",
    // Reading the clock's state; changing it needs CAP_SYS_TIME, checked by the kernel.
    "adjtimex", "clock_adjtime", "clock_adjtime64", "getitimer", "setitimer", "timer_create",
    "timer_delete", "timer_settime", "timer_settime64", "timer_gettime", "timer_gettime64",
    "timer_getoverrun"};

constexpr Names kCommunication = {
    "pipe", "pipe2", "ipc", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop",
    "semtimedop_time64", "semctl", "shmget", "shmat", "shmdt", "shmctl", "mq_open", "mq_unlink",
    "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive", "mq_timedreceive_time64", "mq_notify",
    "mq_getsetattr",
    // Sockets; socket() itself has its own rule below.
    "socketpair", "socketcall", "bind", "listen", "accept", "accept4", "connect", "getsockname",
    "getpeername", "getsockopt", "setsockopt", "shutdown", "send", "sendto", "sendmsg", "sendmmsg",
    "recv", "recvfrom", "recvmsg", "recvmmsg", "recvmmsg_time64"};

// Calls allowed only to a container that holds the capability.
struct CapabilityCalls {
  unsigned cap;
  Names names;
};
const CapabilityCalls kWithCapability[] = {
    {CAP_SYS_ADMIN, {"bpf",           "clone",         "clone3",      "fanotify_init",   "fsconfig",
                     "fsmount",       "fsopen",        "fspick",      "lookup_dcookie",  "mount",
                     "mount_setattr", "move_mount",    "open_tree",   "perf_event_open", "quotactl",
                     "quotactl_fd",   "setdomainname", "sethostname", "setns",           "syslog",
                     "umount",        "umount2",       "unshare"}},
    {CAP_DAC_READ_SEARCH, {"open_by_handle_at"}},
    {CAP_SYS_BOOT, {"reboot"}},
    {CAP_SYS_CHROOT, {"chroot"}},
    {CAP_SYS_MODULE, {"init_module", "finit_module", "delete_module"}},
    {CAP_SYS_PACCT, {"acct"}},
    {CAP_SYS_PTRACE,
     {"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"}},
    {CAP_SYS_RAWIO, {"iopl", "ioperm"}},
    {CAP_SYS_TIME, {"settimeofday", "stime", "clock_settime", "clock_settime64"}},
    {CAP_SYS_TTY_CONFIG, {"vhangup"}},
    {CAP_SYS_NICE, {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}},
    {CAP_SYSLOG, {"syslog"}},
    {CAP_BPF, {"bpf"}},
    {CAP_PERFMON, {"perf_event_open"}},
};

// Calls only some architectures have, allowed where the host is one of them.
struct ArchCalls {
  Names arches;
  Names names;
};
const ArchCalls kArchSpecific[] = {
    {{"amd64"}, {"arch_prctl"}},
    {{"amd64", "386"}, {"modify_ldt"}},
    {{"arm", "arm64"},
     {"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
      "set_tls"}},
    {{"ppc64le"}, {"sync_file_range2", "swapcontext"}},
    {{"s390", "s390x"}, {"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"}},
    {{"riscv64"}, {"riscv_flush_icache"}},
};

// clone() flags that make a namespace; CLONE_NEWTIME shares its bit with CSIGNAL in
// clone(), so only clone3 and unshare can ask for it, and neither is allowed.
constexpr std::uint64_t kNamespaceFlags = 0x00020000 /* NEWNS */ | 0x02000000 /* NEWCGROUP */ |
                                          0x04000000 /* NEWUTS */ | 0x08000000 /* NEWIPC */ |
                                          0x10000000 /* NEWUSER */ | 0x20000000 /* NEWPID */ |
                                          0x40000000 /* NEWNET */;

// personality(2): PER_LINUX, PER_LINUX32, UNAME26, both, and the query 0xffffffff.
constexpr std::uint64_t kPersonas[] = {0x0, 0x0008, 0x20000, 0x20008, 0xffffffff};

constexpr std::uint64_t kAfVsock = 40;

struct Builder {
  SeccompProfile profile;
  std::vector<std::string> allowed;  // one rule for every unconditional name, no repeats

  void allow(Names names) {
    for (const char* name : names) {
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        allowed.emplace_back(name);
    }
  }
  void allow_if(const char* name, ArgCondition condition) {
    profile.rules.push_back({{name}, SeccompAction::allow(), {condition}});
  }
};

bool kernel_at_least(const SeccompHost& host, unsigned major, unsigned minor) {
  return host.kernel_major > major || (host.kernel_major == major && host.kernel_minor >= minor);
}

bool is_s390(const SeccompHost& host) {
  return host.arch == "s390" || host.arch == "s390x";
}

}  // namespace

SeccompHost native_seccomp_host() {
  SeccompHost host;
#if defined(__x86_64__)
  host.arch = "amd64";
#elif defined(__i386__)
  host.arch = "386";
#elif defined(__aarch64__)
  host.arch = "arm64";
#elif defined(__arm__)
  host.arch = "arm";
#elif defined(__s390x__)
  host.arch = "s390x";
#elif defined(__s390__)
  host.arch = "s390";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  host.arch = "ppc64le";
#elif defined(__riscv) && __riscv_xlen == 64
  host.arch = "riscv64";
#endif
  utsname u{};
  if (::uname(&u) == 0) {
    const char* end = u.release + sizeof u.release;
    auto major = std::from_chars(u.release, end, host.kernel_major);
    if (major.ec == std::errc{} && *major.ptr == '.')
      std::from_chars(major.ptr + 1, end, host.kernel_minor);
  }
  return host;
}

SeccompProfile docker_default_seccomp_profile(CapabilitySet caps, const SeccompHost& host) {
  Builder b;
  b.profile.default_action = SeccompAction::fail_with(EPERM);
  for (Names group : {kFiles, kInputOutput, kMemory, kProcesses, kSignalsAndTime, kCommunication})
    b.allow(group);
  // Before 4.8 a ptrace-sandboxed process could use ptrace to get around seccomp.
  if (kernel_at_least(host, 4, 8)) b.allow({"ptrace", "process_vm_readv", "process_vm_writev"});
  for (const auto& [cap, names] : kWithCapability) {
    if (has_capability(caps, cap)) b.allow(names);
  }
  for (const auto& [arches, names] : kArchSpecific) {
    if (std::find(arches.begin(), arches.end(), host.arch) != arches.end()) b.allow(names);
  }
  b.profile.rules.push_back({std::move(b.allowed), SeccompAction::allow(), {}});

  // AF_VSOCK reaches the hypervisor's host, past the container's network namespace.
  b.allow_if("socket", {0, ArgOp::NotEqual, kAfVsock});
  for (std::uint64_t persona : kPersonas) b.allow_if("personality", {0, ArgOp::Equal, persona});
  if (!has_capability(caps, CAP_SYS_ADMIN)) {
    // Threads and forks, not namespaces; s390 swaps clone's first two arguments.
    b.allow_if("clone", {is_s390(host) ? 1u : 0u, ArgOp::MaskedEqual, kNamespaceFlags, 0});
    // clone3 passes its flags behind a pointer the filter cannot read. ENOSYS, as Docker
    // answers, makes glibc (2.34+) fall back to clone(), which the rule above judges;
    // EPERM would make it give up on starting threads at all.
    b.profile.rules.push_back({{"clone3"}, SeccompAction::fail_with(ENOSYS), {}});
  }
  return b.profile;
}

}  // namespace asup::launch
