// One interface over cgroup v1 (one hierarchy per controller) and v2 (one unified tree).
// The backends differ in where files live and how values are spelled; each controller's
// knowledge of file names and formats lives in its own file (memory, cpu, pids, devices).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"
#include "cgroup/blkio_device.hpp"
#include "cgroup/device_rule.hpp"

namespace asup::cgroup {

struct Limits {
  std::optional<std::int64_t> memory_bytes;  // --memory
  std::optional<double> cpus;                // --cpus (1.5 = one and a half CPUs)
  std::optional<std::int64_t> pids;          // --pids-limit (<= 0 means unlimited)
  std::optional<std::string> cpuset_cpus;    // --cpuset-cpus, as typed ("0-1,3")
  std::optional<std::string> cpuset_mems;    // --cpuset-mems, as typed ("0")
  std::optional<std::int64_t> cpu_shares;    // --cpu-shares (relative weight; 1024 is one CPU's)
  std::optional<std::int64_t> cpu_period;    // --cpu-period, microseconds
  std::optional<std::int64_t> cpu_quota;     // --cpu-quota, microseconds (<= 0 means unlimited)
  // --memory-swap: memory plus swap, in bytes, as Docker counts it; -1 is unlimited swap.
  std::optional<std::int64_t> memory_swap;
  std::optional<std::int64_t> memory_reservation;  // --memory-reservation, bytes (soft limit)
  std::optional<bool> oom_kill_disable;            // --oom-kill-disable (v1 only)
  std::uint16_t blkio_weight = 0;                  // --blkio-weight, 10..1000; 0 = unset
  std::optional<std::int64_t> memory_swappiness;   // --memory-swappiness, 0..100 (v1 only)
  std::optional<std::int64_t> cpu_rt_period;       // --cpu-rt-period, µs (v1 only)
  std::optional<std::int64_t> cpu_rt_runtime;      // --cpu-rt-runtime, µs (v1 only)
  BlkioDeviceLimits blkio_devices;                 // per device: weights and throttles
  // The device policy, as OCI's linux.resources.devices (devices.hpp says what a list
  // means). Empty: none is set and the group has its parent's access — every device on a
  // host nobody restricted. A container gets devices::default_rules() and its --device
  // rules from asupd.
  std::vector<DeviceRule> devices;

  bool empty() const {
    return !memory_bytes && !cpus && !pids && !cpuset_cpus && !cpuset_mems && !cpu_shares &&
           !cpu_period && !cpu_quota && !memory_swap && !memory_reservation && !oom_kill_disable &&
           blkio_weight == 0 && !memory_swappiness && !cpu_rt_period && !cpu_rt_runtime &&
           blkio_devices.empty() && devices.empty();
  }
};

// The freezer's view of a group (freezer.hpp). Freezing is the moment between the request
// and the kernel having stopped every task.
enum class FreezerState { Thawed, Freezing, Frozen };

// A container's cgroup. Destroying the object does not remove the group: destroy() does,
// after the container's processes are gone.
class Group {
 public:
  virtual ~Group() = default;
  // v2: an O_DIRECTORY fd of the group for clone3(CLONE_INTO_CGROUP); v1: invalid.
  virtual int clone_into_fd() const = 0;
  // Moves pid into the group (every hierarchy on v1).
  virtual Status add_process(pid_t pid) = 0;
  // The cgroup.procs files an exec'ed process writes itself into (v1: one per hierarchy).
  virtual std::vector<std::string> procs_files() const = 0;
  // True when the kernel's OOM killer killed a process of this group.
  virtual bool oom_killed() const = 0;
  // SIGKILL to every process of the group (cgroup.kill on v2, a procs walk on v1), frozen
  // or not: v1 thaws the group after signalling, since a task frozen there acts on no
  // signal until thawed (v2 delivers fatal signals to frozen tasks). Does not wait for the
  // processes to exit.
  virtual Status kill_all() = 0;
  // Stops every process of the group where it stands (Docker's pause) and returns once
  // the kernel reports the group frozen. A group that does not get there within
  // freezer::kTimeout is thawed again and the error says "freeze ID: timed out". Blocks
  // for that long at most; a freeze normally takes well under a millisecond.
  //
  // A frozen process acts on a signal only once thawed; v2 makes an exception for fatal
  // ones (SIGKILL), v1 none (kill_all thaws after its SIGKILL). A caller that signals a
  // paused container to end it (stop's signal to its PID 1) thaws the group right after
  // sending, as Docker does for SIGKILL and the stop signal: the signal is then pending
  // before any process runs again. Other signals stay pending while it is paused.
  virtual Status freeze() = 0;
  // Lets the processes run again. A group that was not frozen, or cannot be, is left as it
  // is and that is success.
  virtual Status thaw() = 0;
  // Whether the group is frozen (after an asupd restart: the container is "paused"). A
  // group without a freezer (a v1 group made before asupd used the freezer hierarchy, a
  // kernel without one) is Thawed.
  virtual Result<FreezerState> freezer_state() const = 0;
  // Applies to the live group the limits of `limits` that are set, in the values and
  // formats create() writes; `limits.devices` is not read: the device policy is fixed at
  // create. On v1 a cpuset or blkio limit needs the group to have been created with one
  // (it is in those hierarchies only then): otherwise it fails with ENOENT. A memory limit below
  // what the group uses now fails with EBUSY and "Cannot update container memory: ...". When any
  // write fails, the files already written get their previous values back, so a failed update
  // leaves the group as it was.
  virtual Status update(const Limits& limits) = 0;
  // rmdir of the group (every hierarchy on v1). Idempotent.
  virtual Status destroy() = 0;
  virtual std::string describe() const = 0;  // paths, for inspect and errors
};

class Manager {
 public:
  virtual ~Manager() = default;
  virtual std::string version() const = 0;  // "v1" or "v2"
  // Creates PARENT/ID (every hierarchy on v1) and applies the limits. On failure nothing
  // is left behind but a parent that had to be made. `parent`, when not empty, is the
  // container's own (--cgroup-parent, as normalize_parent leaves it: relative to each
  // hierarchy's root) instead of the manager's; it is made when missing, as Docker's
  // cgroupfs driver does, and stays when the container goes.
  virtual Result<std::unique_ptr<Group>> create(const std::string& id, const Limits& limits,
                                                const std::string& parent = "") = 0;
  // The group of a container created earlier (after an asupd restart), under `parent` as
  // for create. Does not check that it exists.
  virtual std::unique_ptr<Group> open(const std::string& id, const std::string& parent = "") = 0;
  // rmdir of the parent when empty (daemon shutdown); errors ignored.
  virtual void remove_parent_if_empty() = 0;
};

// Picks the backend for this host: v2 when /sys/fs/cgroup is a cgroup2 mount, else v1
// (hybrid or legacy). `parent` is the group under which containers go ("asup").
Result<std::unique_ptr<Manager>> detect(const std::string& parent);
// Explicit backends, with the mount root as a parameter so tests can point them at a
// fixture directory or the unified tree.
std::unique_ptr<Manager> make_v1(const std::string& mount_root, const std::string& parent);
std::unique_ptr<Manager> make_v2(const std::string& mount_root, const std::string& parent);

}  // namespace asup::cgroup
