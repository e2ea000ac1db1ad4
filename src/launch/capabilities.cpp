#include "launch/capabilities.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>

#include "core/fs.hpp"

namespace asup::launch {
namespace {

// Indexed by capability number, as in <linux/capability.h>.
constexpr std::string_view kNames[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
constexpr unsigned kKnown = sizeof kNames / sizeof kNames[0];

// moby's oci/caps/defaults.go, by name so the list reads as Docker documents it.
constexpr std::string_view kDockerDefaults[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE",
};

std::string normalized(std::string_view name) {
  std::string out;
  for (char c : name) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (out != "ALL" && out.rfind("CAP_", 0) != 0) out.insert(0, "CAP_");
  return out;
}

Result<unsigned> lookup(const std::string& upper, unsigned last_cap) {
  for (unsigned cap = 0; cap < kKnown && cap <= last_cap; ++cap) {
    if (kNames[cap] == upper) return cap;
  }
  return fail(EINVAL, "unknown capability: \"" + upper + "\"");
}

// The names of one flag, normalized and checked; `all` tells whether "ALL" was among them.
Result<CapabilitySet> parse_list(const std::vector<std::string>& names, unsigned last_cap,
                                 bool& all) {
  CapabilitySet set = 0;
  all = false;
  for (const auto& name : names) {
    std::string upper = normalized(name);
    if (upper == "ALL") {
      all = true;
      continue;
    }
    ASUP_TRY(unsigned cap, lookup(upper, last_cap));
    set |= capability_bit(cap);
  }
  return set;
}

}  // namespace

unsigned last_known_capability() {
  return kKnown - 1;
}

CapabilitySet docker_default_capabilities() {
  CapabilitySet set = 0;
  for (auto name : kDockerDefaults)
    set |= capability_bit(lookup(std::string{name}, kKnown).value());
  return set;
}

CapabilitySet all_capabilities(unsigned last_cap) {
  return last_cap >= 63 ? ~CapabilitySet{0} : capability_bit(last_cap + 1) - 1;
}

Result<unsigned> kernel_last_capability() {
  const std::string path = "/proc/sys/kernel/cap_last_cap";
  ASUP_TRY(std::string text, fs::read_file(path));
  unsigned last = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), last);
  if (ec != std::errc{} || end == text.data() || last > 63)
    return fail(EINVAL, "read " + path + ": not a capability number: " + text);
  return last;
}

Result<unsigned> parse_capability(std::string_view name) {
  return lookup(normalized(name), kKnown);
}

std::string capability_name(unsigned cap) {
  if (cap < kKnown) return std::string{kNames[cap]};
  return "CAP_" + std::to_string(cap);
}

std::vector<std::string> capability_names(CapabilitySet set) {
  std::vector<std::string> names;
  for (unsigned cap = 0; cap < 64; ++cap) {
    if (has_capability(set, cap)) names.push_back(capability_name(cap));
  }
  return names;
}

Result<CapabilitySet> resolve_capabilities(const std::vector<std::string>& add,
                                           const std::vector<std::string>& drop, bool privileged,
                                           unsigned last_cap) {
  const CapabilitySet everything = all_capabilities(last_cap);
  if (privileged) return everything;
  bool add_all = false, drop_all = false;
  ASUP_TRY(CapabilitySet added, parse_list(add, last_cap, add_all));
  ASUP_TRY(CapabilitySet dropped, parse_list(drop, last_cap, drop_all));
  if (add_all) return everything & ~dropped;
  if (drop_all) return added;
  return ((docker_default_capabilities() & ~dropped) | added) & everything;
}

Result<CapabilitySet> resolve_capabilities(const std::vector<std::string>& add,
                                           const std::vector<std::string>& drop, bool privileged) {
  ASUP_TRY(unsigned last_cap, kernel_last_capability());
  return resolve_capabilities(add, drop, privileged, last_cap);
}

}  // namespace asup::launch
