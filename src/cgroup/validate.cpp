#include "cgroup/validate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "cgroup/blkio.hpp"
#include "cgroup/cpuset.hpp"
#include "cgroup/memory.hpp"
#include "core/fs.hpp"

namespace asup::cgroup {
namespace {

// Docker's floor: not the kernel's, but what a container needs to start at all.
constexpr std::int64_t kMinMemory = 6 * 1024 * 1024;
constexpr std::int64_t kMinPeriodUs = 1000;
constexpr std::int64_t kMaxPeriodUs = 1000000;
constexpr std::int64_t kMinQuotaUs = 1000;

Status invalid(std::string message) {
  return fail(EINVAL, std::move(message));
}

Status check_memory(Limits& l, const HostResources& host, Purpose purpose,
                    std::vector<std::string>& warnings) {
  const std::int64_t memory = l.memory_bytes.value_or(0);
  const std::int64_t swap = l.memory_swap.value_or(0);
  if (memory > 0 && memory < kMinMemory) return invalid("Minimum memory limit allowed is 6MB");
  if (memory > 0 && swap != -1 && !host.swap_limit) {
    warnings.emplace_back(
        "Your kernel does not support swap limit capabilities or the cgroup is not mounted. "
        "Memory limited without swap.");
    l.memory_swap = -1;
  } else if (memory > 0 && swap > 0 && swap < memory) {
    return invalid("Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (memory <= 0 && swap > 0 && purpose == Purpose::Create)
    return invalid("You should always set the Memory limit when using Memoryswap limit, see usage");
  const std::int64_t reservation = l.memory_reservation.value_or(0);
  if (reservation > 0 && reservation < kMinMemory)
    return invalid("Minimum memory reservation allowed is 6MB");
  if (memory > 0 && reservation > 0 && memory < reservation)
    return invalid("Minimum memory limit can not be less than memory reservation limit, see usage");
  if (l.oom_kill_disable && !host.oom_kill_disable) {
    if (*l.oom_kill_disable) warnings.emplace_back(memory::kOomKillDisableWarning);
    l.oom_kill_disable.reset();
  }
  if (l.memory_swappiness && !host.memory_swappiness) {
    warnings.emplace_back(
        "Your kernel does not support memory swappiness capabilities or the cgroup is not "
        "mounted. Memory swappiness discarded.");
    l.memory_swappiness.reset();
  }
  if (l.memory_swappiness && (*l.memory_swappiness < 0 || *l.memory_swappiness > 100))
    return invalid("Invalid value: " + std::to_string(*l.memory_swappiness) +
                   ", valid memory swappiness range is 0-100");
  if (l.oom_kill_disable.value_or(false) && memory <= 0)
    warnings.emplace_back(
        "OOM killer is disabled for the container, but no memory limit is set, this can result "
        "in the system running out of resources.");
  return ok();
}

Status check_cpu(const Limits& l, const HostResources& host) {
  const bool cpus = l.cpus && *l.cpus > 0;
  if (cpus && l.cpu_period.value_or(0) > 0)
    return invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (cpus && l.cpu_quota.value_or(0) > 0)
    return invalid("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  if (l.cpus) {
    auto online = cpuset::parse_list(host.cpus);
    auto count = online ? std::max<std::size_t>(online.value().size(), 1) : 1;
    if (!std::isfinite(*l.cpus) || *l.cpus < 0 || *l.cpus > static_cast<double>(count)) {
      char text[128];
      std::snprintf(text, sizeof text,
                    "Range of CPUs is from 0.01 to %zu.00, as there are only %zu CPUs available",
                    count, count);
      return invalid(text);
    }
  }
  if (l.cpu_shares && *l.cpu_shares < 0) return invalid("shares: invalid argument");
  const std::int64_t period = l.cpu_period.value_or(0);
  if (period != 0 && (period < kMinPeriodUs || period > kMaxPeriodUs))
    return invalid(
        "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  const std::int64_t quota = l.cpu_quota.value_or(0);
  if (quota > 0 && quota < kMinQuotaUs)
    return invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  // runconfig's validateResources: refused, not dropped, where the host has no RT groups.
  const std::int64_t rt_period = l.cpu_rt_period.value_or(0);
  const std::int64_t rt_runtime = l.cpu_rt_runtime.value_or(0);
  if (rt_period > 0 && !host.cpu_rt)
    return invalid("Your kernel does not support cgroup cpu real-time period");
  if (rt_runtime > 0 && !host.cpu_rt)
    return invalid("Your kernel does not support cgroup cpu real-time runtime");
  if (rt_period != 0 && rt_runtime != 0 && rt_runtime > rt_period)
    return invalid("cpu real-time runtime cannot be higher than cpu real-time period");
  return ok();
}

// `requested` (a cpuset list) within `available`; `what` names the list in messages.
Status check_set(const std::optional<std::string>& requested, const std::string& available,
                 const std::string& what, const std::string& unavailable) {
  if (!requested || requested->empty()) return ok();
  auto wanted = cpuset::parse_list(*requested);
  if (!wanted)
    return invalid("Invalid value " + *requested + " for cpuset " + what + ": " +
                   wanted.error().message);
  auto online = cpuset::parse_list(available);
  if (!online) return ok();  // the host's list is unreadable: the kernel decides
  for (unsigned n : wanted.value())
    if (!online.value().count(n))
      return invalid(unavailable + " are not available - requested " + *requested +
                     ", available: " + available);
  return ok();
}

Status check_cpuset(Limits& l, const HostResources& host, std::vector<std::string>& warnings) {
  if ((l.cpuset_cpus || l.cpuset_mems) && !host.cpuset) {
    warnings.emplace_back(
        "Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.");
    l.cpuset_cpus.reset();
    l.cpuset_mems.reset();
  }
  ASUP_TRY(check_set(l.cpuset_cpus, host.cpus, "cpus", "Requested CPUs"));
  return check_set(l.cpuset_mems, host.mems, "mems", "Requested memory nodes");
}

// Each per-device list the host cannot apply goes with Docker's warning for it.
Status check_blkio_devices(BlkioDeviceLimits& d, const HostResources& host,
                           std::vector<std::string>& warnings) {
  auto drop = [&](std::vector<BlkioDevice>& list, bool supported, const char* text) {
    if (list.empty() || supported) return;
    warnings.emplace_back(text);
    list.clear();
  };
  drop(d.weight, host.blkio_weight_device,
       "Your kernel does not support Block I/O weight_device or the cgroup is not mounted. "
       "Weight-device discarded.");
  drop(d.read_bps, host.blkio_throttle,
       "Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. "
       "Block I/O BPS read limit discarded.");
  drop(d.write_bps, host.blkio_throttle,
       "Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. "
       "Block I/O BPS write limit discarded.");
  drop(d.read_iops, host.blkio_throttle,
       "Your kernel does not support IOPS Block read limit or the cgroup is not mounted. "
       "Block I/O IOPS read limit discarded.");
  drop(d.write_iops, host.blkio_throttle,
       "Your kernel does not support IOPS Block write limit or the cgroup is not mounted. "
       "Block I/O IOPS write limit discarded.");
  for (const auto& w : d.weight)
    if (w.value != 0 && (w.value < blkio::kMinWeight || w.value > blkio::kMaxWeight))
      return invalid("invalid weight for device: " + w.path + ":" + std::to_string(w.value));
  return ok();
}

Status check_blkio(Limits& l, const HostResources& host, std::vector<std::string>& warnings) {
  if (l.blkio_weight > 0 && !host.blkio_weight) {
    warnings.emplace_back(
        "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight "
        "discarded.");
    l.blkio_weight = 0;
  }
  if (l.blkio_weight > 0 &&
      (l.blkio_weight < blkio::kMinWeight || l.blkio_weight > blkio::kMaxWeight))
    return invalid("Range of blkio weight is from 10 to 1000");
  return check_blkio_devices(l.blkio_devices, host, warnings);
}

std::string first_line(const std::string& path, const std::string& otherwise) {
  auto text = fs::read_file(path);
  if (!text) return otherwise;
  std::string line = text.value().substr(0, text.value().find('\n'));
  return line.empty() ? otherwise : line;
}

// The directory of this process's group in the v2 tree ("0::/path" in /proc/self/cgroup).
std::string own_group_v2(const std::string& mount_root) {
  auto text = fs::read_file("/proc/self/cgroup");
  if (!text) return mount_root;
  std::istringstream in(text.value());
  for (std::string line; std::getline(in, line);)
    if (line.rfind("0::", 0) == 0) return fs::join(mount_root, line.substr(3));
  return mount_root;
}

bool lists_word(const std::string& path, const std::string& word) {
  auto text = fs::read_file(path);
  if (!text) return false;
  std::istringstream in(text.value());
  for (std::string w; in >> w;)
    if (w == word) return true;
  return false;
}

}  // namespace

HostResources host_resources(Version version, const std::string& mount_root) {
  HostResources host;
  host.version = version;
  host.cpus = first_line("/sys/devices/system/cpu/online", "0");
  host.mems = first_line("/sys/devices/system/node/online", "0");
  if (version == Version::V1) {
    auto in = [&](const char* rel) { return fs::exists(fs::join(mount_root, rel)); };
    host.cpuset = in("cpuset/cpuset.cpus");
    host.swap_limit = in("memory/memory.memsw.limit_in_bytes");
    host.oom_kill_disable = in("memory/memory.oom_control");
    host.blkio_weight = in("blkio/blkio.weight") || in("blkio/blkio.bfq.weight");
    host.memory_swappiness = in("memory/memory.swappiness");
    host.cpu_rt = in("cpu/cpu.rt_runtime_us");
    host.blkio_weight_device =
        in("blkio/blkio.weight_device") || in("blkio/blkio.bfq.weight_device");
    host.blkio_throttle = in("blkio/blkio.throttle.read_bps_device");
    return host;
  }
  // The root group has none of the controllers' files; a group below it has those its
  // parent enables, which cgroup.controllers of the parent lists.
  std::string controllers = fs::join(mount_root, "cgroup.controllers");
  std::string own = own_group_v2(mount_root);
  host.cpuset = lists_word(controllers, "cpuset");
  host.swap_limit = own == mount_root ? lists_word(controllers, "memory")
                                      : fs::exists(fs::join(own, memory::kSwapMaxV2));
  host.oom_kill_disable = false;
  host.blkio_weight = lists_word(controllers, "io");
  host.memory_swappiness = false;
  host.cpu_rt = false;
  host.blkio_weight_device = host.blkio_weight;
  host.blkio_throttle = host.blkio_weight;
  return host;
}

Result<CheckedLimits> check_limits(const Limits& limits, const HostResources& host,
                                   Purpose purpose) {
  CheckedLimits out{limits, {}};
  ASUP_TRY(check_memory(out.limits, host, purpose, out.warnings));
  ASUP_TRY(check_cpu(out.limits, host));
  ASUP_TRY(check_cpuset(out.limits, host, out.warnings));
  ASUP_TRY(check_blkio(out.limits, host, out.warnings));
  return out;
}

}  // namespace asup::cgroup
