// The devices controller: a container's device policy as a list of typed rules, built
// here and applied by either backend — v1 writes them to devices.deny and devices.allow,
// v2 compiles them into a BPF program attached to the group (device_filter.hpp).
//
// Meaning of a list, on both versions: the last rule that matches a request decides, and
// a request no rule matches is denied. An allow rule matches a request whose access it
// covers entirely (a rule "r" does not let a process open a node read-write); a deny rule
// matches a request that asks for any of its access. v1 agrees for the lists built here
// (one deny of everything, then allows); v1 would resolve overlapping partial denies in
// its own way, which is why nothing here builds such lists.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"
#include "cgroup/device_rule.hpp"
#include "cgroup/plan.hpp"

namespace asup::cgroup::devices {

inline constexpr std::string_view kController = "devices";
inline constexpr std::string_view kAllowV1 = "devices.allow";
inline constexpr std::string_view kDenyV1 = "devices.deny";

// Docker's default policy (moby's default spec plus runc's always-allowed devices): deny
// everything, then allow mknod of any node, and read/write/mknod of null, zero, full,
// random, urandom, tty, console, ptmx, the pty slaves (136:*) and net/tun. A container
// may so create a node for the host's disk but never open it.
std::vector<DeviceRule> default_rules();

// An allow rule for one device node (a --device).
DeviceRule allow(DeviceType type, std::uint32_t major, std::uint32_t minor, std::uint8_t access);

// "rwm", "r", "mw": each of r, w, m at most once, not empty. The error is Docker's
// "invalid device mode: TEXT".
Result<std::uint8_t> parse_access(std::string_view text);
// The letters of `access` in Docker's order: "rwm", "rw", "m".
std::string access_string(std::uint8_t access);

// A --device-cgroup-rule, Docker's "TYPE MAJOR:MINOR ACCESS": TYPE a, b or c, each number
// digits or "*" (any), ACCESS one to three of r, w, m ("c 1:3 mr", "b *:* m"). It allows;
// the error is Docker's "invalid device cgroup format 'TEXT'".
Result<DeviceRule> parse_cgroup_rule(std::string_view text);
// A rule in that format, numbers and all even for type a ("a *:* rwm"), for inspect's
// HostConfig.DeviceCgroupRules.
std::string cgroup_rule_text(const DeviceRule& rule);

// The rule as v1 spells it: "a", "c 1:3 rwm", "c 136:* rwm", "b *:* m".
std::string v1_line(const DeviceRule& rule);

// v1: one write per rule, to devices.deny or devices.allow, in order. v2 has no files
// for this: its backend attaches the compiled program instead, so the list is empty.
std::vector<Setting> settings(Version version, const std::vector<DeviceRule>& rules);

// Whether `rules` grant `access` to the device type:major:minor — the meaning above,
// written out plainly; the tests hold the compiled programs to it.
bool permits(const std::vector<DeviceRule>& rules, DeviceType type, std::uint32_t major,
             std::uint32_t minor, std::uint8_t access);

}  // namespace asup::cgroup::devices
