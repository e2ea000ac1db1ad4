// cgroup v2 has no devices controller: device access is decided by a
// BPF_PROG_TYPE_CGROUP_DEVICE program attached to the group, run by the kernel on every
// open and mknod of a device node by the group's processes. The program is compiled here
// from the same rules v1 writes to its files (devices.hpp), as plain instructions: no
// libbpf, no compiler, no maps.
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"
#include "cgroup/device_rule.hpp"

namespace asup::cgroup {

// The program for `rules`, with their meaning (devices.hpp): it reads the request from
// struct bpf_cgroup_dev_ctx, tries the rules last to first, returns 1 (allow) for the
// first that matches and 0 when none does. Rules before the last type-All rule can never
// decide and are left out; that rule's verdict becomes the default.
std::vector<bpf_insn> compile_device_filter(const std::vector<DeviceRule>& rules);

// Loads `program` (BPF_PROG_LOAD). The descriptor may be attached to any number of groups.
Result<UniqueFd> load_device_filter(const std::vector<bpf_insn>& program);

// Attaches a loaded program to the cgroup directory `cgroup_fd` (BPF_PROG_ATTACH,
// BPF_CGROUP_DEVICE). BPF_F_ALLOW_MULTI: programs of the parent groups keep running too
// and every one must allow, so a nested manager inside the container can only add
// restrictions. The attachment holds the program until the group is removed. `where`
// names the group in errors.
Status attach_device_filter(int cgroup_fd, int program_fd, const std::string& where);

}  // namespace asup::cgroup
