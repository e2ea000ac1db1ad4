// Capability names and sets as Docker's --cap-add, --cap-drop and --privileged take them.
#include <catch2/catch.hpp>

#include <linux/capability.h>

#include <cerrno>
#include <string>
#include <vector>

#include "launch/capabilities.hpp"

using namespace asup::launch;

namespace {

using Names = std::vector<std::string>;

Names resolved(const Names& add, const Names& drop, bool privileged = false,
               unsigned last = CAP_CHECKPOINT_RESTORE) {
  auto r = resolve_capabilities(add, drop, privileged, last);
  INFO((r ? "" : r.error().message));
  REQUIRE(r);
  return capability_names(r.value());
}

const Names kDefaults = {
    "CAP_CHOWN",      "CAP_DAC_OVERRIDE", "CAP_FOWNER",      "CAP_FSETID",           "CAP_KILL",
    "CAP_SETGID",     "CAP_SETUID",       "CAP_SETPCAP",     "CAP_NET_BIND_SERVICE", "CAP_NET_RAW",
    "CAP_SYS_CHROOT", "CAP_MKNOD",        "CAP_AUDIT_WRITE", "CAP_SETFCAP"};

}  // namespace

TEST_CASE("capabilities: Docker's default set", "[launch][caps]") {
  CHECK(capability_names(docker_default_capabilities()) == kDefaults);
  CHECK(resolved({}, {}) == kDefaults);
}

TEST_CASE("capabilities: names in any case, with or without CAP_", "[launch][caps]") {
  for (const char* name :
       {"SYS_ADMIN", "sys_admin", "CAP_SYS_ADMIN", "cap_sys_admin", "Sys_Admin"}) {
    INFO(name);
    auto cap = parse_capability(name);
    REQUIRE(cap);
    CHECK(cap.value() == CAP_SYS_ADMIN);
  }
  CHECK(parse_capability("chown").value() == 0);
  CHECK(parse_capability("checkpoint_restore").value() == 40);
  CHECK(last_known_capability() == 40);
  for (auto [name, shown] : {std::pair{"CAP_FOO", "CAP_FOO"}, std::pair{"foo", "CAP_FOO"},
                             std::pair{"ALL", "ALL"}, std::pair{"", "CAP_"}}) {
    auto cap = parse_capability(name);
    REQUIRE_FALSE(cap);
    CHECK(cap.error().code == EINVAL);
    CHECK(cap.error().message == std::string{"unknown capability: \""} + shown + "\"");
  }
  CHECK(capability_name(CAP_NET_ADMIN) == "CAP_NET_ADMIN");
  CHECK(capability_name(41) == "CAP_41");
}

TEST_CASE("capabilities: add and drop in Docker's order", "[launch][caps]") {
  // Drop some, add some.
  Names r = resolved({"net_admin", "CAP_SYS_PTRACE"}, {"chown", "CAP_NET_RAW", "setpcap"});
  CHECK(r == Names{"CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
                   "CAP_SETUID", "CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN", "CAP_SYS_CHROOT",
                   "CAP_SYS_PTRACE", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP"});
  // Dropping ALL keeps only what is added, whatever the order on the command line.
  CHECK(resolved({"NET_BIND_SERVICE"}, {"ALL"}) == Names{"CAP_NET_BIND_SERVICE"});
  CHECK(resolved({}, {"all"}).empty());
  // Adding ALL is every capability but the dropped ones.
  r = resolved({"ALL"}, {"sys_admin"});
  CHECK(r.size() == 40);
  CHECK(std::find(r.begin(), r.end(), "CAP_SYS_ADMIN") == r.end());
  CHECK(resolved({"ALL"}, {"ALL"}).size() == 41);
  // Adding what is there and dropping what is not change nothing.
  CHECK(resolved({"CHOWN"}, {"SYS_ADMIN"}) == kDefaults);
}

TEST_CASE("capabilities: privileged is everything the kernel knows", "[launch][caps]") {
  CHECK(resolved({}, {}, true).size() == 41);
  CHECK(resolved({}, {"ALL"}, true).size() == 41);  // add and drop do not apply
  CHECK(resolved({}, {}, true, 37).size() == 38);   // an older kernel: up to CAP_AUDIT_READ
  CHECK(resolved({"ALL"}, {}, false, 37).back() == "CAP_AUDIT_READ");
  // A capability the kernel does not have is unknown, as Docker says.
  auto r = resolve_capabilities({"bpf"}, {}, false, 37);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "unknown capability: \"CAP_BPF\"");
  r = resolve_capabilities({}, {"nope"}, false, 40);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "unknown capability: \"CAP_NOPE\"");

  // The running kernel: everything up to /proc/sys/kernel/cap_last_cap.
  auto last = kernel_last_capability();
  REQUIRE(last);
  CHECK(last.value() >= CAP_AUDIT_READ);
  auto all = resolve_capabilities({}, {}, true);
  REQUIRE(all);
  CHECK(all.value() == all_capabilities(last.value()));
  CHECK(capability_names(all.value()).size() == last.value() + 1);
}
