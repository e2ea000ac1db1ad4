// The device policy as data: Docker's default rules, their v1 spelling, access modes, and
// what a list of rules grants.
#include <catch2/catch.hpp>

#include "cgroup/devices.hpp"
#include "cgroup/plan.hpp"

using namespace asup::cgroup;

namespace {

constexpr auto kChar = DeviceType::Char;
constexpr auto kBlock = DeviceType::Block;
constexpr std::uint8_t kRW = kDeviceRead | kDeviceWrite;

Limits with_devices(std::vector<DeviceRule> rules) {
  Limits l;
  l.devices = std::move(rules);
  return l;
}

}  // namespace

TEST_CASE("the default device rules are Docker's, written to v1 in order", "[cgroup][devices]") {
  auto plan = devices::settings(Version::V1, devices::default_rules());
  std::vector<std::string> lines;
  for (const auto& s : plan) {
    CHECK(s.controller == "devices");
    CHECK_FALSE(s.optional);
    lines.push_back(s.file + " " + s.value);
  }
  CHECK(lines == std::vector<std::string>{
                     "devices.deny a", "devices.allow c *:* m", "devices.allow b *:* m",
                     "devices.allow c 1:3 rwm",     // null
                     "devices.allow c 1:5 rwm",     // zero
                     "devices.allow c 1:7 rwm",     // full
                     "devices.allow c 1:8 rwm",     // random
                     "devices.allow c 1:9 rwm",     // urandom
                     "devices.allow c 5:0 rwm",     // tty
                     "devices.allow c 5:1 rwm",     // console
                     "devices.allow c 5:2 rwm",     // ptmx
                     "devices.allow c 136:* rwm",   // pts/*
                     "devices.allow c 10:200 rwm",  // net/tun
                 });
  // v2 has no files for them: its backend attaches a program.
  CHECK(devices::settings(Version::V2, devices::default_rules()).empty());
}

TEST_CASE("device rules join the limit plan last, on v1 only", "[cgroup][devices][plan]") {
  Limits l = with_devices(devices::default_rules());
  l.pids = 10;
  CHECK_FALSE(l.empty());
  CHECK_FALSE(with_devices(devices::default_rules()).empty());

  auto v1 = plan_limits(Version::V1, l);
  REQUIRE(v1);
  REQUIRE(v1.value().size() == 1 + devices::default_rules().size());
  CHECK(v1.value().front().file == "pids.max");
  CHECK(v1.value()[1] == Setting{"devices", "devices.deny", "a"});
  CHECK(controllers_of(v1.value()) == std::vector<std::string>{"pids", "devices"});

  auto v2 = plan_limits(Version::V2, l);
  REQUIRE(v2);
  CHECK(controllers_of(v2.value()) == std::vector<std::string>{"pids"});
}

TEST_CASE("a rule is spelled as v1 spells it", "[cgroup][devices]") {
  CHECK(devices::v1_line(devices::allow(kBlock, 7, 0, kDeviceRead)) == "b 7:0 r");
  CHECK(devices::v1_line(devices::allow(kChar, 4, 64, kRW)) == "c 4:64 rw");
  CHECK(devices::v1_line(DeviceRule{true, kChar, std::nullopt, 3, kDeviceMknod}) == "c *:3 m");
  CHECK(devices::v1_line(DeviceRule{}) == "a");
}

TEST_CASE("access modes follow Docker's rwm rule", "[cgroup][devices]") {
  CHECK(devices::parse_access("rwm").value() == kDeviceAllAccess);
  CHECK(devices::parse_access("r").value() == kDeviceRead);
  CHECK(devices::parse_access("mw").value() == (kDeviceMknod | kDeviceWrite));
  CHECK(devices::access_string(devices::parse_access("mwr").value()) == "rwm");
  CHECK(devices::access_string(kDeviceWrite) == "w");
  for (const char* bad : {"", "x", "rr", "rwmx", "R", "r w"}) {
    INFO(bad);
    auto r = devices::parse_access(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EINVAL);
    CHECK(r.error().message == std::string("invalid device mode: ") + bad);
  }
}

TEST_CASE("the default rules let a container make any node but open only the harmless ones",
          "[cgroup][devices]") {
  auto rules = devices::default_rules();
  auto permits = [&](DeviceType t, std::uint32_t major, std::uint32_t minor, std::uint8_t a) {
    return devices::permits(rules, t, major, minor, a);
  };
  CHECK(permits(kChar, 1, 3, kRW));
  CHECK(permits(kChar, 1, 9, kDeviceRead));
  CHECK(permits(kChar, 136, 7, kRW));
  CHECK(permits(kChar, 10, 200, kRW));
  CHECK(permits(kBlock, 7, 0, kDeviceMknod));       // mknod of the host's disk: yes
  CHECK_FALSE(permits(kBlock, 7, 0, kDeviceRead));  // opening it: no
  CHECK_FALSE(permits(kBlock, 7, 0, kDeviceWrite));
  CHECK_FALSE(permits(kBlock, 8, 0, kRW));
  CHECK_FALSE(permits(kChar, 1, 1, kDeviceRead));  // /dev/mem
  CHECK_FALSE(permits(kChar, 10, 229, kRW));       // /dev/fuse
  CHECK(permits(kChar, 1, 3, kDeviceAllAccess));
}

TEST_CASE("the last matching rule decides: allows must cover, denies need only touch",
          "[cgroup][devices]") {
  std::vector<DeviceRule> rules = devices::default_rules();
  rules.push_back(devices::allow(kBlock, 7, 0, kDeviceRead));
  CHECK(devices::permits(rules, kBlock, 7, 0, kDeviceRead));
  CHECK_FALSE(devices::permits(rules, kBlock, 7, 0, kRW));  // read-write is more than "r"
  CHECK_FALSE(devices::permits(rules, kBlock, 7, 1, kDeviceRead));

  rules.push_back(DeviceRule{false, kChar, 1, std::nullopt, kDeviceWrite});
  CHECK(devices::permits(rules, kChar, 1, 3, kDeviceRead));
  CHECK_FALSE(devices::permits(rules, kChar, 1, 3, kRW));  // asks for the denied write

  // A later "a" rule outweighs everything before it.
  rules.push_back(DeviceRule{true, DeviceType::All, std::nullopt, std::nullopt, kDeviceAllAccess});
  CHECK(devices::permits(rules, kBlock, 8, 0, kRW));
  CHECK_FALSE(devices::permits({}, kChar, 1, 3, kDeviceRead));  // no rule: denied
}
