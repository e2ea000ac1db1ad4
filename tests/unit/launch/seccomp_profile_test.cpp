// The default seccomp profile as data, judged by a small evaluator with libseccomp's rule
// semantics (rules for one call are alternatives; the first match decides the errno).
#include <catch2/catch.hpp>

#include <sched.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "launch/seccomp_profile.hpp"
#include "launch/seccomp_program.hpp"

using namespace asup::launch;

namespace {

// The errno a call with first argument `a0` gets under `rules`, 0 if it is allowed.
int verdict(const std::vector<SeccompRule>& rules, const std::string& syscall, std::uint64_t a0) {
  for (const auto& r : rules) {
    if (syscall != r.syscall) continue;
    REQUIRE(r.arg == 0);
    switch (r.test) {
      case ArgTest::Always:
        return r.error;
      case ArgTest::MaskedEq:
        if ((a0 & r.mask) == r.value) return r.error;
        break;
      case ArgTest::Above:
        if (a0 > r.value) return r.error;
        break;
    }
  }
  return 0;
}

bool allowed_persona(std::uint64_t p) {
  return p == 0 || p == 0x8 || p == 0x20000 || p == 0x20008 || p == 0xffffffff;
}

}  // namespace

TEST_CASE("seccomp profile: what Docker keeps from default capabilities fails with EPERM",
          "[launch][seccomp]") {
  const auto rules = default_seccomp_profile();
  // The list from moby's default profile, written out independently of the table.
  std::istringstream denied{
      "acct add_key bpf clock_adjtime clock_settime create_module delete_module finit_module "
      "get_kernel_syms get_mempolicy init_module ioperm iopl kcmp kexec_file_load kexec_load "
      "keyctl lookup_dcookie mbind mount mount_setattr move_mount open_tree fsopen fsconfig "
      "fsmount fspick move_pages name_to_handle_at nfsservctl open_by_handle_at "
      "perf_event_open pivot_root process_vm_readv process_vm_writev ptrace query_module "
      "quotactl quotactl_fd reboot request_key set_mempolicy setns settimeofday stime swapon "
      "swapoff sysfs _sysctl umount umount2 unshare uselib userfaultfd ustat vm86 vm86old"};
  int count = 0;
  for (std::string name; denied >> name; ++count) {
    INFO(name);
    CHECK(verdict(rules, name, 0) == EPERM);
    CHECK(verdict(rules, name, 0x12345) == EPERM);
  }
  CHECK(count == 57);
  for (const char* name : {"read", "write", "openat", "execve", "fork", "wait4", "chroot", "setuid",
                           "capset", "prctl", "seccomp", "socket"}) {
    INFO(name);
    CHECK(verdict(rules, name, 0) == 0);
  }
  std::set<std::string> names;
  for (const auto& r : rules) {
    if (r.test == ArgTest::Always) CHECK(names.insert(r.syscall).second);  // no duplicates
  }
}

TEST_CASE("seccomp profile: clone may not make namespaces, and clone3 is ENOSYS",
          "[launch][seccomp]") {
  const auto rules = default_seccomp_profile();
  // What fork() and pthread_create() pass.
  const std::uint64_t fork_flags = CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD;
  const std::uint64_t thread_flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
                                     CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
                                     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  CHECK(verdict(rules, "clone", fork_flags) == 0);
  CHECK(verdict(rules, "clone", thread_flags) == 0);
  CHECK(verdict(rules, "clone", CLONE_VM | CLONE_VFORK | SIGCHLD) == 0);
  for (std::uint64_t flag : {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                             CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET}) {
    INFO("flag " << std::hex << flag);
    CHECK(verdict(rules, "clone", flag | SIGCHLD) == EPERM);
    CHECK(verdict(rules, "clone", flag | fork_flags) == EPERM);
  }
  CHECK(verdict(rules, "clone3", 0) == ENOSYS);
}

TEST_CASE("seccomp profile: personality allows only Docker's personas", "[launch][seccomp]") {
  const auto rules = default_seccomp_profile();
  auto check = [&](std::uint64_t p) {
    INFO("persona 0x" << std::hex << p);
    CHECK(verdict(rules, "personality", p) == (allowed_persona(p) ? 0 : EPERM));
  };
  for (std::uint64_t p : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL}) {
    check(p);
    CHECK(verdict(rules, "personality", p) == 0);
  }
  // ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, PER_BSD, and neighbours of the allowed values.
  for (std::uint64_t p : {0x0040000ULL, 0x0400000ULL, 0x6ULL, 0x1ULL, 0x7ULL, 0x9ULL, 0x20009ULL,
                          0x1ffffULL, 0xfffffffeULL, 0x7fffffffULL, 0x80000000ULL, 0x100000000ULL,
                          0x100000008ULL, 0x1ffffffffULL, ~0ULL}) {
    check(p);
    CHECK(verdict(rules, "personality", p) == EPERM);
  }
  // Every value with one or two bits set, and 0xffffffff with one or two bits cleared.
  for (unsigned i = 0; i < 64; ++i) {
    for (unsigned j = i; j < 64; ++j) {
      std::uint64_t two = (1ULL << i) | (1ULL << j);
      check(two);
      if (i < 32 && j < 32) check(0xffffffffULL & ~two);
    }
  }
  std::mt19937_64 rng{20260101};
  for (int n = 0; n < 20000; ++n) {
    std::uint64_t v = rng();
    check(v);
    check(v & 0xffffffffULL);
    check(v & 0x20008ULL);                        // only the flag bits
    check((v & rng() & rng()) | 8);               // sparse
    check(0xffffffffULL & ~(v & rng() & rng()));  // dense
  }
  // The filter grows with every rule; the complement of 5 values should stay small.
  int personality_rules = 0;
  for (const auto& r : rules) personality_rules += std::strcmp(r.syscall, "personality") == 0;
  CHECK(personality_rules <= 33);
}

TEST_CASE("the default program is compiled once, to whole BPF instructions", "[launch][seccomp]") {
  const auto& first = default_seccomp_program();
  REQUIRE(first);
  const std::string& program = first.value();
  // struct sock_filter is 8 bytes; libseccomp's tree for the profile is well past a handful.
  REQUIRE(program.size() % 8 == 0);
  CHECK(program.size() / 8 > 50);
  // The same compiled bytes, not a second compile or a copy.
  CHECK(&default_seccomp_program().value() == &program);
}
