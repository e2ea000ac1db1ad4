// Docker's checks of the resource flags of run, create and update, before anything is
// made: what it refuses, with its words (daemon_unix.go, verifyPlatformContainerResources),
// and what it accepts with a warning and drops because the host cannot apply it.
#pragma once

#include <string>
#include <vector>

#include "asup/result.hpp"
#include "cgroup/cgroup.hpp"
#include "cgroup/plan.hpp"

namespace asup::cgroup {

// What the host can apply; the checks take it as a value so that each is tested for any
// host.
struct HostResources {
  Version version = Version::V1;
  std::string cpus = "0";           // the CPUs online, as the kernel lists them ("0-1")
  std::string mems = "0";           // the memory nodes online ("0")
  bool cpuset = true;               // the cpuset controller is there
  bool swap_limit = true;           // swap accounting: v1 memory.memsw.*, v2 memory.swap.max
  bool oom_kill_disable = true;     // v1 memory.oom_control; v2 has no such switch
  bool blkio_weight = true;         // a weight file of some I/O scheduler
  bool memory_swappiness = true;    // v1 memory.swappiness; v2 has none
  bool cpu_rt = true;               // v1 cpu.rt_runtime_us (CONFIG_RT_GROUP_SCHED); v2 none
  bool blkio_weight_device = true;  // a per-device weight file of some I/O scheduler
  bool blkio_throttle = true;       // v1 blkio.throttle.* (CONFIG_BLK_DEV_THROTTLING), v2 io.max
};

// This host's: the cgroup tree mounted at `mount_root` ("/sys/fs/cgroup"; on v2 the
// group this process is in tells what a child of it would have), CPUs and nodes from
// /sys/devices/system. What cannot be read counts as there, for the kernel to refuse.
HostResources host_resources(Version version, const std::string& mount_root);

// Limits as the host will apply them, and the warnings for what was dropped.
struct CheckedLimits {
  Limits limits;
  std::vector<std::string> warnings;
};

enum class Purpose { Create, Update };

// Docker's rules: memory at least 6MB, --memory-swap at least --memory and (at create)
// only with it, a reservation at least 6MB and at most the memory limit, --cpus within
// the host's CPUs and not with --cpu-period or --cpu-quota, a period of 1ms..1s, a quota
// of at least 1ms, cpusets within the CPUs and nodes online, a blkio weight of 10..1000,
// a swappiness of 0..100, a real-time runtime no longer than its period (and none at all
// on a host without real-time groups: "Your kernel does not support cgroup cpu real-time
// runtime"), per-device weights of 10..1000.
// An error is EINVAL with Docker's message ("Minimum memory limit allowed is 6MB"). A
// limit the host cannot apply is dropped with Docker's warning ("Your kernel does not
// support swap limit capabilities or the cgroup is not mounted. Memory limited without
// swap.").
Result<CheckedLimits> check_limits(const Limits& limits, const HostResources& host,
                                   Purpose purpose = Purpose::Create);

}  // namespace asup::cgroup
