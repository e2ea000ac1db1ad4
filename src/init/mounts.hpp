// Executes the mount plan asupd built (launch/mount_plan) inside the container's new
// mount namespace.
#pragma once

#include <string>
#include <vector>

#include "asup/result.hpp"
#include "launch/launch_spec.hpp"

namespace asup::init {

// Makes every mount in this namespace private (MS_REC | MS_PRIVATE on "/"), or rslave
// when one of `ops` is a slave bind. Must come first: with shared mounts, pivot_root
// fails with EINVAL and the container's mounts would propagate into the host's namespace.
Status make_mounts_private(const std::vector<launch::MountOp>& ops);

// Runs `ops` in order. host_target operations use their target as a host path; all others
// are container paths resolved inside `rootfs` (see in_root.hpp), mounted through
// /proc/self/fd/N of an O_PATH descriptor of the resolved target, as crun does.
Status execute_mounts(const std::vector<launch::MountOp>& ops, const std::string& rootfs);

// --read-only: after pivot_root, "/" (the overlay) is remounted read-only. Only that
// mount changes: /proc, /sys, /dev, /dev/shm, tmpfs and volume mounts keep their flags.
Status remount_root_read_only();

}  // namespace asup::init
