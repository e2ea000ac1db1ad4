#include "cgroup/devices.hpp"

#include <cstdint>
#include <limits>

namespace asup::cgroup::devices {
namespace {

DeviceRule deny_all() {
  return DeviceRule{false, DeviceType::All, std::nullopt, std::nullopt, kDeviceAllAccess};
}

DeviceRule allow_any(DeviceType type, std::optional<std::uint32_t> major, std::uint8_t access) {
  return DeviceRule{true, type, major, std::nullopt, access};
}

std::string number(const std::optional<std::uint32_t>& n) {
  return n ? std::to_string(*n) : std::string("*");
}

bool matches(const DeviceRule& rule, DeviceType type, std::uint32_t major, std::uint32_t minor,
             std::uint8_t access) {
  if (rule.type == DeviceType::All) return true;
  if (rule.type != type) return false;
  if (rule.major && *rule.major != major) return false;
  if (rule.minor && *rule.minor != minor) return false;
  if (rule.allow) return (access & ~rule.access) == 0;
  return (access & rule.access) != 0;
}

}  // namespace

std::vector<DeviceRule> default_rules() {
  constexpr auto c = DeviceType::Char;
  return {
      deny_all(),
      // mknod of anything: images carry device nodes, and creating one grants no access.
      allow_any(DeviceType::Char, std::nullopt, kDeviceMknod),
      allow_any(DeviceType::Block, std::nullopt, kDeviceMknod),
      allow(c, 1, 3, kDeviceAllAccess),     // null
      allow(c, 1, 5, kDeviceAllAccess),     // zero
      allow(c, 1, 7, kDeviceAllAccess),     // full
      allow(c, 1, 8, kDeviceAllAccess),     // random
      allow(c, 1, 9, kDeviceAllAccess),     // urandom
      allow(c, 5, 0, kDeviceAllAccess),     // tty
      allow(c, 5, 1, kDeviceAllAccess),     // console
      allow(c, 5, 2, kDeviceAllAccess),     // ptmx
      allow_any(c, 136, kDeviceAllAccess),  // pts/*
      allow(c, 10, 200, kDeviceAllAccess),  // net/tun
  };
}

DeviceRule allow(DeviceType type, std::uint32_t major, std::uint32_t minor, std::uint8_t access) {
  return DeviceRule{true, type, major, minor, access};
}

Result<std::uint8_t> parse_access(std::string_view text) {
  auto invalid = [&] { return fail(EINVAL, "invalid device mode: " + std::string{text}); };
  std::uint8_t access = 0;
  for (char ch : text) {
    std::uint8_t bit = ch == 'r'   ? kDeviceRead
                       : ch == 'w' ? kDeviceWrite
                       : ch == 'm' ? kDeviceMknod
                                   : 0;
    if (bit == 0 || (access & bit) != 0) return invalid();
    access |= bit;
  }
  if (access == 0) return invalid();
  return access;
}

std::string access_string(std::uint8_t access) {
  std::string out;
  if (access & kDeviceRead) out += 'r';
  if (access & kDeviceWrite) out += 'w';
  if (access & kDeviceMknod) out += 'm';
  return out;
}

namespace {

// Digits or "*"; what does not fit 32 bits is no device number.
bool parse_number(std::string_view text, std::optional<std::uint32_t>& out) {
  if (text == "*") {
    out.reset();
    return true;
  }
  if (text.empty() || text.size() > 10) return false;
  std::uint64_t n = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  if (n > std::numeric_limits<std::uint32_t>::max()) return false;
  out = static_cast<std::uint32_t>(n);
  return true;
}

}  // namespace

Result<DeviceRule> parse_cgroup_rule(std::string_view text) {
  auto invalid = [&] {
    return fail(EINVAL, "invalid device cgroup format '" + std::string{text} + "'");
  };
  // Exactly "T MAJ:MIN ACC" with single spaces, as Docker's pattern demands.
  std::size_t space1 = text.find(' ');
  std::size_t space2 = space1 == std::string_view::npos ? space1 : text.find(' ', space1 + 1);
  if (space1 != 1 || space2 == std::string_view::npos) return invalid();
  std::string_view numbers = text.substr(space1 + 1, space2 - space1 - 1);
  std::string_view access = text.substr(space2 + 1);
  DeviceRule rule;
  rule.allow = true;
  switch (text[0]) {
    case 'a':
      rule.type = DeviceType::All;
      break;
    case 'b':
      rule.type = DeviceType::Block;
      break;
    case 'c':
      rule.type = DeviceType::Char;
      break;
    default:
      return invalid();
  }
  std::size_t colon = numbers.find(':');
  if (colon == std::string_view::npos || !parse_number(numbers.substr(0, colon), rule.major) ||
      !parse_number(numbers.substr(colon + 1), rule.minor))
    return invalid();
  if (access.empty() || access.size() > 3) return invalid();
  rule.access = 0;
  for (char ch : access) {
    if (ch == 'r')
      rule.access |= kDeviceRead;
    else if (ch == 'w')
      rule.access |= kDeviceWrite;
    else if (ch == 'm')
      rule.access |= kDeviceMknod;
    else
      return invalid();
  }
  return rule;
}

std::string cgroup_rule_text(const DeviceRule& rule) {
  return std::string(1, static_cast<char>(rule.type)) + " " + number(rule.major) + ":" +
         number(rule.minor) + " " + access_string(rule.access);
}

std::string v1_line(const DeviceRule& rule) {
  // The kernel reads "a" alone as every device with every access; numbers after it
  // would be ignored, so none are written.
  if (rule.type == DeviceType::All) return "a";
  return std::string(1, static_cast<char>(rule.type)) + " " + number(rule.major) + ":" +
         number(rule.minor) + " " + access_string(rule.access);
}

std::vector<Setting> settings(Version version, const std::vector<DeviceRule>& rules) {
  std::vector<Setting> out;
  if (version == Version::V2) return out;
  for (const auto& rule : rules)
    out.push_back(
        {std::string{kController}, std::string{rule.allow ? kAllowV1 : kDenyV1}, v1_line(rule)});
  return out;
}

bool permits(const std::vector<DeviceRule>& rules, DeviceType type, std::uint32_t major,
             std::uint32_t minor, std::uint8_t access) {
  for (auto it = rules.rbegin(); it != rules.rend(); ++it)
    if (matches(*it, type, major, minor, access)) return it->allow;
  return false;
}

}  // namespace asup::cgroup::devices
