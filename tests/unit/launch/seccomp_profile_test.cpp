// Docker's default seccomp profile as data, judged by a small evaluator with libseccomp's
// semantics for this profile (a rule applies when all its conditions hold; no call has two
// rules with different actions; anything unmatched gets the default action).
#include <catch2/catch.hpp>

#include <linux/capability.h>
#include <sched.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "launch/seccomp_profile.hpp"
#include "launch/seccomp_program.hpp"

using namespace asup::launch;

namespace {

const SeccompHost kAmd64{"amd64", 6, 1};

bool holds(const ArgCondition& c, const std::uint64_t* args) {
  const std::uint64_t a = args[c.index];
  switch (c.op) {
    case ArgOp::NotEqual:
      return a != c.value;
    case ArgOp::Less:
      return a < c.value;
    case ArgOp::LessOrEqual:
      return a <= c.value;
    case ArgOp::Equal:
      return a == c.value;
    case ArgOp::GreaterOrEqual:
      return a >= c.value;
    case ArgOp::Greater:
      return a > c.value;
    case ArgOp::MaskedEqual:
      return (a & c.value) == c.value_two;
  }
  return false;
}

// What a call with first arguments `a0`, `a1` gets: the errno, 0 when it is allowed.
int verdict(const SeccompProfile& p, const std::string& name, std::uint64_t a0 = 0,
            std::uint64_t a1 = 0) {
  const std::uint64_t args[6] = {a0, a1, 0, 0, 0, 0};
  for (const auto& rule : p.rules) {
    if (std::find(rule.names.begin(), rule.names.end(), name) == rule.names.end()) continue;
    if (!std::all_of(rule.args.begin(), rule.args.end(),
                     [&](const ArgCondition& c) { return holds(c, args); }))
      continue;
    REQUIRE((rule.action.kind == SeccompActionKind::Allow ||
             rule.action.kind == SeccompActionKind::Errno));
    return rule.action.kind == SeccompActionKind::Allow ? 0 : static_cast<int>(rule.action.value);
  }
  REQUIRE(p.default_action.kind == SeccompActionKind::Errno);
  return static_cast<int>(p.default_action.value);
}

std::vector<std::string> words(const char* text) {
  std::istringstream in{text};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool allowed_persona(std::uint64_t p) {
  return p == 0 || p == 0x8 || p == 0x20000 || p == 0x20008 || p == 0xffffffff;
}

}  // namespace

TEST_CASE("seccomp profile: the default is an allow list that fails the rest with EPERM",
          "[launch][seccomp]") {
  const auto p = docker_default_seccomp_profile(docker_default_capabilities(), kAmd64);
  CHECK(p.default_action == SeccompAction::fail_with(EPERM));
  CHECK(p.architectures.empty());  // native + its 32-bit companion
  for (const auto& name :
       words("read write openat open close execve fork vfork wait4 exit_group mmap brk futex "
             "rt_sigaction getpid mkdir rename chown setuid setgroups capset prctl seccomp "
             "epoll_wait io_submit pidfd_open memfd_create statx arch_prctl modify_ldt ptrace "
             "process_vm_readv clock_adjtime name_to_handle_at chroot")) {
    INFO(name);
    CHECK(verdict(p, name) == 0);
  }
  // Docker's "significant syscalls blocked by the default profile", and io_uring (Docker 25).
  for (const auto& name :
       words("io_uring_setup io_uring_enter io_uring_register acct add_key bpf clock_settime "
             "settimeofday stime create_module delete_module finit_module init_module "
             "get_kernel_syms get_mempolicy set_mempolicy mbind move_pages ioperm iopl kcmp "
             "kexec_file_load kexec_load keyctl request_key lookup_dcookie mount umount umount2 "
             "mount_setattr move_mount open_tree fsopen fsconfig fsmount fspick nfsservctl "
             "open_by_handle_at perf_event_open pivot_root pidfd_getfd process_madvise "
             "quotactl quotactl_fd reboot setns sethostname setdomainname swapon swapoff sysfs "
             "_sysctl syslog unshare uselib userfaultfd ustat vm86 vm86old vhangup fanotify_init "
             "no_such_call_at_all")) {
    INFO(name);
    CHECK(verdict(p, name) == EPERM);
  }
  std::set<std::string> names;
  for (const auto& rule : p.rules) {
    if (!rule.args.empty()) continue;
    for (const auto& n : rule.names) CHECK(names.insert(n).second);  // no name twice
  }
}

TEST_CASE("seccomp profile: clone may not make namespaces, and clone3 is ENOSYS",
          "[launch][seccomp]") {
  const auto p = docker_default_seccomp_profile(docker_default_capabilities(), kAmd64);
  const std::uint64_t fork_flags = CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD;
  const std::uint64_t thread_flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
                                     CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
                                     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  CHECK(verdict(p, "clone", fork_flags) == 0);
  CHECK(verdict(p, "clone", thread_flags) == 0);
  CHECK(verdict(p, "clone", CLONE_VM | CLONE_VFORK | SIGCHLD) == 0);
  for (std::uint64_t flag : {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                             CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET}) {
    INFO("flag " << std::hex << flag);
    CHECK(verdict(p, "clone", flag | SIGCHLD) == EPERM);
    CHECK(verdict(p, "clone", flag | fork_flags) == EPERM);
  }
  CHECK(verdict(p, "clone3") == ENOSYS);

  // s390 passes the flags second.
  const auto s390 = docker_default_seccomp_profile(docker_default_capabilities(), {"s390x", 6, 1});
  CHECK(verdict(s390, "clone", 0, CLONE_NEWUSER) == EPERM);
  CHECK(verdict(s390, "clone", CLONE_NEWUSER, fork_flags) == 0);
}

TEST_CASE("seccomp profile: personality allows only Docker's personas", "[launch][seccomp]") {
  const auto p = docker_default_seccomp_profile(docker_default_capabilities(), kAmd64);
  std::mt19937_64 rng{20260101};
  std::vector<std::uint64_t> values = {0x0,     0x8,         0x20000,     0x20008, 0xffffffff,
                                       0x40000, 0x0400000,   0x6,         0x20009, 0xfffffffe,
                                       0x1,     0x100000000, 0x1ffffffff, ~0ULL};
  for (int n = 0; n < 2000; ++n) values.push_back(rng() & (n % 2 ? 0x20008ULL : ~0ULL));
  for (std::uint64_t v : values) {
    INFO("persona 0x" << std::hex << v);
    CHECK(verdict(p, "personality", v) == (allowed_persona(v) ? 0 : EPERM));
  }
}

TEST_CASE("seccomp profile: AF_VSOCK sockets are refused, others allowed", "[launch][seccomp]") {
  const auto p = docker_default_seccomp_profile(docker_default_capabilities(), kAmd64);
  CHECK(verdict(p, "socket", 40 /* AF_VSOCK */) == EPERM);
  for (std::uint64_t domain : {1 /* AF_UNIX */, 2 /* AF_INET */, 10 /* AF_INET6 */,
                               16 /* AF_NETLINK */, 17 /* AF_PACKET */})
    CHECK(verdict(p, "socket", domain) == 0);
}

TEST_CASE("seccomp profile: a capability allows the calls it makes useful", "[launch][seccomp]") {
  const CapabilitySet base = docker_default_capabilities();
  const std::map<unsigned, const char*> cases = {
      {CAP_SYS_ADMIN,
       "mount umount2 unshare setns sethostname bpf perf_event_open clone3 syslog "
       "fsopen lookup_dcookie quotactl"},
      {CAP_SYS_PTRACE, "kcmp pidfd_getfd process_madvise"},
      {CAP_SYS_BOOT, "reboot"},
      {CAP_SYS_MODULE, "init_module finit_module delete_module"},
      {CAP_SYS_PACCT, "acct"},
      {CAP_SYS_RAWIO, "iopl ioperm"},
      {CAP_SYS_TIME, "settimeofday clock_settime"},
      {CAP_SYS_TTY_CONFIG, "vhangup"},
      {CAP_SYS_NICE, "mbind set_mempolicy get_mempolicy"},
      {CAP_SYSLOG, "syslog"},
      {CAP_BPF, "bpf"},
      {CAP_PERFMON, "perf_event_open"},
      {CAP_DAC_READ_SEARCH, "open_by_handle_at"},
  };
  for (const auto& [cap, names] : cases) {
    const auto with = docker_default_seccomp_profile(base | capability_bit(cap), kAmd64);
    for (const auto& name : words(names)) {
      INFO(capability_name(cap) << " " << name);
      CHECK(verdict(with, name) == 0);
    }
  }
  // CAP_SYS_ADMIN lifts the clone test and clone3's ENOSYS; io_uring stays denied.
  const auto admin = docker_default_seccomp_profile(base | capability_bit(CAP_SYS_ADMIN), kAmd64);
  CHECK(verdict(admin, "clone", CLONE_NEWUSER | SIGCHLD) == 0);
  CHECK(verdict(admin, "clone3") == 0);
  CHECK(verdict(admin, "io_uring_setup") == EPERM);
  // Without CAP_SYS_CHROOT (dropped) chroot is refused.
  const auto no_chroot =
      docker_default_seccomp_profile(base & ~capability_bit(CAP_SYS_CHROOT), kAmd64);
  CHECK(verdict(no_chroot, "chroot") == EPERM);
}

TEST_CASE("seccomp profile: calls of one architecture only where it runs", "[launch][seccomp]") {
  const CapabilitySet caps = docker_default_capabilities();
  CHECK(verdict(docker_default_seccomp_profile(caps, kAmd64), "arch_prctl") == 0);
  CHECK(verdict(docker_default_seccomp_profile(caps, {"arm64", 6, 1}), "arch_prctl") == EPERM);
  CHECK(verdict(docker_default_seccomp_profile(caps, {"arm64", 6, 1}), "set_tls") == 0);
  CHECK(verdict(docker_default_seccomp_profile(caps, {"386", 6, 1}), "modify_ldt") == 0);
  // ptrace only on kernels where seccomp cannot be walked around with it (4.8+).
  CHECK(verdict(docker_default_seccomp_profile(caps, {"amd64", 4, 4}), "ptrace") == EPERM);
  CHECK(verdict(docker_default_seccomp_profile(caps, {"amd64", 4, 8}), "ptrace") == 0);
}

TEST_CASE("the default program is compiled once, to whole BPF instructions", "[launch][seccomp]") {
  const auto& first = default_seccomp_program();
  REQUIRE(first);
  const std::string& program = first.value();
  // struct sock_filter is 8 bytes; an allow list of some 350 calls is well past a handful.
  REQUIRE(program.size() % 8 == 0);
  CHECK(program.size() / 8 > 100);
  CHECK(&default_seccomp_program().value() == &program);
}
