// Linux capabilities as Docker's flags name them: the default set, --cap-add / --cap-drop
// names ("chown", "CAP_CHOWN", "ALL"), --privileged, and the resolved set as a bitmask
// (bit N is capability N, as capget(2) numbers them). Plain tables, no libcap: the names
// must parse the same way whatever libcap the daemon was built with.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"

namespace asup::launch {

using CapabilitySet = std::uint64_t;

constexpr CapabilitySet capability_bit(unsigned cap) {
  return cap < 64 ? CapabilitySet{1} << cap : 0;
}
constexpr bool has_capability(CapabilitySet set, unsigned cap) {
  return (set & capability_bit(cap)) != 0;
}

// The highest capability number this table names (CAP_CHECKPOINT_RESTORE).
unsigned last_known_capability();

// What a container gets without --cap-add/--cap-drop (moby's oci/caps/defaults.go).
CapabilitySet docker_default_capabilities();

// Every capability up to and including `last_cap`.
CapabilitySet all_capabilities(unsigned last_cap);

// The running kernel's highest capability, from /proc/sys/kernel/cap_last_cap.
Result<unsigned> kernel_last_capability();

// One name as Docker accepts it: any case, with or without "CAP_". "ALL" is not a single
// capability and fails here like any unknown name: `unknown capability: "CAP_FOO"`.
Result<unsigned> parse_capability(std::string_view name);

// "CAP_CHOWN"; a number past the table is "CAP_<n>".
std::string capability_name(unsigned cap);

// The names of the bits in `set`, lowest number first.
std::vector<std::string> capability_names(CapabilitySet set);

// Docker's order of operations (moby's TweakCapabilities): privileged is every capability
// the kernel knows, whatever add and drop say; else add ALL is everything but what drop
// names; else drop ALL is exactly what add names; else the default set minus drop plus add.
// A name the kernel does not know (number past `last_cap`) is unknown, as in Docker.
Result<CapabilitySet> resolve_capabilities(const std::vector<std::string>& add,
                                           const std::vector<std::string>& drop, bool privileged,
                                           unsigned last_cap);
// The same against the running kernel's cap_last_cap.
Result<CapabilitySet> resolve_capabilities(const std::vector<std::string>& add,
                                           const std::vector<std::string>& drop, bool privileged);

}  // namespace asup::launch
