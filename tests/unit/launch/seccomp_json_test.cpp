// Docker's JSON seccomp profile format: what is read, what applies for one container, and
// the one-line errors a user sees for a broken profile.
#include <catch2/catch.hpp>

#include <linux/capability.h>

#include <cerrno>
#include <string>

#include "launch/seccomp_json.hpp"

using namespace asup::launch;

namespace {

const SeccompHost kHost{"amd64", 6, 1};

std::string error_of(const std::string& json, CapabilitySet caps = docker_default_capabilities()) {
  auto r = parse_seccomp_profile(json, caps, kHost);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == EINVAL);
  return r.error().message;
}

std::vector<std::string> names_of(const SeccompProfile& p) {
  std::vector<std::string> out;
  for (const auto& rule : p.rules) out.insert(out.end(), rule.names.begin(), rule.names.end());
  return out;
}

}  // namespace

TEST_CASE("seccomp json: actions, errno values and argument conditions", "[launch][seccomp]") {
  auto r = parse_seccomp_profile(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"name": "mkdir", "action": "SCMP_ACT_ERRNO"},
      {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS"},
      {"names": ["tkill"], "action": "SCMP_ACT_KILL"},
      {"names": ["uname"], "action": "SCMP_ACT_LOG", "comment": "ignored"},
      {"names": ["ptrace"], "action": "SCMP_ACT_TRAP"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"},
                {"index": 1, "value": 255, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"},
                {"index": 5, "value": 18446744073709551615, "op": "SCMP_CMP_LE"}]}
    ]})",
                                 0, kHost);
  REQUIRE(r);
  const SeccompProfile& p = r.value();
  CHECK(p.default_action == SeccompAction{SeccompActionKind::Errno, 38});
  CHECK(p.architectures.empty());
  REQUIRE(p.rules.size() == 8);
  CHECK(p.rules[0] == SeccompRule{{"read", "write"}, SeccompAction::allow(), {}});
  CHECK(p.rules[1].action == SeccompAction::fail_with(EPERM));  // errnoRet absent: EPERM
  CHECK(p.rules[1].names == std::vector<std::string>{"mkdir"});
  CHECK(p.rules[2].action == SeccompAction::fail_with(13));
  CHECK(p.rules[3].action.kind == SeccompActionKind::KillProcess);
  CHECK(p.rules[4].action.kind == SeccompActionKind::KillThread);
  CHECK(p.rules[5].action.kind == SeccompActionKind::Log);
  CHECK(p.rules[6].action.kind == SeccompActionKind::Trap);
  CHECK(p.rules[7].args == std::vector<ArgCondition>{{0, ArgOp::Equal, 8, 0},
                                                     {1, ArgOp::MaskedEqual, 255, 4},
                                                     {5, ArgOp::LessOrEqual, ~0ULL, 0}});
}

TEST_CASE("seccomp json: an allow-all profile without rules is valid", "[launch][seccomp]") {
  auto r = parse_seccomp_profile(R"({"defaultAction": "SCMP_ACT_ALLOW"})", 0, kHost);
  REQUIRE(r);
  CHECK(r.value().default_action == SeccompAction::allow());
  CHECK(r.value().rules.empty());
  r = parse_seccomp_profile(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": null})", 0, kHost);
  CHECK(r);
}

TEST_CASE("seccomp json: includes and excludes decide for this container", "[launch][seccomp]") {
  const std::string json = R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "syscalls": [
      {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}],
       "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
      {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
      {"names": ["set_tls"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm64"]}},
      {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
      {"names": ["newer"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "7.0"}},
      {"names": ["old"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.10"}},
      {"names": ["both"], "action": "SCMP_ACT_ALLOW",
       "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_SYS_BOOT"]}},
      {"names": ["future"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_FUTURE"]}}
    ]})";
  const CapabilitySet base = docker_default_capabilities();
  auto plain = parse_seccomp_profile(json, base, kHost);
  REQUIRE(plain);
  CHECK(names_of(plain.value()) == std::vector<std::string>{"clone", "arch_prctl", "ptrace"});

  auto admin = parse_seccomp_profile(json, base | capability_bit(CAP_SYS_ADMIN), kHost);
  REQUIRE(admin);
  CHECK(names_of(admin.value()) == std::vector<std::string>{"mount", "arch_prctl", "ptrace"});

  auto both = parse_seccomp_profile(
      json, base | capability_bit(CAP_SYS_ADMIN) | capability_bit(CAP_SYS_BOOT), kHost);
  REQUIRE(both);
  CHECK(names_of(both.value()) ==
        std::vector<std::string>{"mount", "arch_prctl", "ptrace", "both"});

  auto old_s390 = parse_seccomp_profile(json, base, {"s390x", 4, 4});
  REQUIRE(old_s390);
  CHECK(names_of(old_s390.value()) == std::vector<std::string>{"old"});
}

TEST_CASE("seccomp json: architectures and archMap", "[launch][seccomp]") {
  auto r = parse_seccomp_profile(
      R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]})",
      0, kHost);
  REQUIRE(r);
  CHECK(r.value().architectures == std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"});

  const std::string mapped = R"({"defaultAction": "SCMP_ACT_ALLOW", "archMap": [
      {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
      {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
      {"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": null}]})";
  r = parse_seccomp_profile(mapped, 0, kHost);
  REQUIRE(r);
  CHECK(r.value().architectures ==
        std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"});
  r = parse_seccomp_profile(mapped, 0, {"arm64", 6, 1});
  REQUIRE(r);
  CHECK(r.value().architectures == std::vector<std::string>{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"});
}

TEST_CASE("seccomp json: a broken profile is one line naming the field and the cause",
          "[launch][seccomp]") {
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_FOO"})") ==
        R"(seccomp profile: defaultAction: unknown action "SCMP_ACT_FOO")");
  CHECK(error_of(R"({"syscalls": []})") == "seccomp profile: defaultAction: missing");
  CHECK(error_of("{\"defaultAction\": ") == "seccomp profile: invalid JSON at byte 19");
  CHECK(error_of("[]") == "seccomp profile: not a JSON object");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})") ==
        "seccomp profile: defaultErrnoRet: not a non-negative integer");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 5000})") ==
        "seccomp profile: defaultErrnoRet: 5000 is out of range");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1})") ==
        "seccomp profile: defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_NOTIFY"})") ==
        "seccomp profile: defaultAction: SCMP_ACT_NOTIFY is not supported (no seccomp agent)");

  const std::string head = R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["close"], "action": "SCMP_ACT_ALLOW"},)";
  auto third = [&](const std::string& entry) { return error_of(head + entry + "]}"); };
  CHECK(third(R"({"names": ["x"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]})") ==
        R"(seccomp profile: syscalls[3].args[0].op: unknown operator "SCMP_CMP_FOO")");
  CHECK(third(R"({"names": ["x"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0}]})") ==
        "seccomp profile: syscalls[3].args[0].op: missing");
  CHECK(third(R"({"names": ["x"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 6, "op": "SCMP_CMP_EQ"}]})") ==
        "seccomp profile: syscalls[3].args[0].index: 6 is past the sixth argument");
  CHECK(third(R"({"names": ["x"], "action": "SCMP_ACT_BAR"})") ==
        R"(seccomp profile: syscalls[3].action: unknown action "SCMP_ACT_BAR")");
  CHECK(third(R"({"names": ["x"]})") == "seccomp profile: syscalls[3].action: missing");
  CHECK(third(R"({"names": [], "action": "SCMP_ACT_ALLOW"})") ==
        "seccomp profile: syscalls[3].names: no system call named");
  CHECK(third(R"({"names": [1], "action": "SCMP_ACT_ALLOW"})") ==
        "seccomp profile: syscalls[3].names[0]: not a string");
  CHECK(third(R"({"name": "a", "names": ["b"], "action": "SCMP_ACT_ALLOW"})") ==
        R"(seccomp profile: syscalls[3]: use either "name" or "names")");
  CHECK(
      third(R"({"names": ["x"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4"}})") ==
      R"(seccomp profile: syscalls[3].includes.minKernel: invalid kernel version "4" (want MAJOR.MINOR))");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]})") ==
        R"(seccomp profile: architectures[0]: unknown architecture "SCMP_ARCH_Z80")");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"],
                     "archMap": []})") ==
        R"(seccomp profile: archMap: use either "architectures" or "archMap")");
}
