#include "launch/mount_plan.hpp"

#include <algorithm>

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <string_view>

#include "core/mount_flags.hpp"
#include "core/strings.hpp"

namespace asup::launch {

std::string size_option(std::int64_t bytes) {
  if (bytes > 0 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + "k";
  return std::to_string(bytes);
}

namespace {

constexpr std::uint64_t kNoSuidDevExec = MS_NOSUID | MS_NODEV | MS_NOEXEC;

// Every operation starts from kind + target; the helpers below fill in the rest.
MountOp op_on(MountKind kind, std::string target) {
  MountOp op;
  op.kind = kind;
  op.target = std::move(target);
  return op;
}

MountOp make_dir(std::string target, std::uint32_t mode = 0755) {
  MountOp op = op_on(MountKind::MakeDir, std::move(target));
  op.mode = mode;
  return op;
}

MountOp make_file(std::string target) {
  MountOp op = op_on(MountKind::MakeFile, std::move(target));
  op.mode = 0644;
  return op;
}

bool is_slave(const std::string& propagation) {
  return propagation == "slave" || propagation == "rslave";
}

std::uint64_t propagation_flags(const std::string& propagation, bool rslave_root) {
  if (propagation == "slave") return MS_SLAVE;
  if (propagation == "rslave") return MS_SLAVE | MS_REC;
  if (propagation == "private") return MS_PRIVATE;
  return rslave_root ? MS_PRIVATE | MS_REC : 0;  // under an rprivate / it already is
}

MountOp bind_op(std::string source, std::string target, std::uint64_t flags) {
  MountOp op = op_on(MountKind::Bind, std::move(target));
  op.source = std::move(source);
  op.flags = flags;
  return op;
}

MountOp mount(std::string source, std::string target, std::string fstype, std::uint64_t flags,
              std::string data = {}) {
  MountOp op = op_on(MountKind::Mount, std::move(target));
  op.source = std::move(source);
  op.fstype = std::move(fstype);
  op.flags = flags;
  op.data = std::move(data);
  return op;
}

MountOp symlink(std::string target, std::string points_to) {
  MountOp op = op_on(MountKind::Symlink, std::move(target));
  op.source = std::move(points_to);
  return op;
}

MountOp char_device(std::string target, std::uint32_t major, std::uint32_t minor) {
  MountOp op = op_on(MountKind::MakeDevice, std::move(target));
  op.mode = S_IFCHR | 0666;
  op.major = major;
  op.minor = minor;
  return op;
}

// A copy of a host node: its type, numbers, permission bits and owner.
MountOp host_device(const DeviceNode& node) {
  MountOp op = op_on(MountKind::MakeDevice, node.path);
  op.mode = (node.block ? S_IFBLK : S_IFCHR) | (node.mode & 07777);
  op.major = node.major;
  op.minor = node.minor;
  op.uid = node.uid;
  op.gid = node.gid;
  return op;
}

// A file asupd writes (hostname, hosts, resolv.conf) bound over the image's copy.
void add_etc_file(std::vector<MountOp>& ops, const std::string& host_file,
                  const std::string& target) {
  if (host_file.empty()) return;
  ops.push_back(make_file(target));
  ops.push_back(bind_op(host_file, target, 0));
}

// /dev/shm as the IPC mode has it: a tmpfs of its own, a tmpfs from the host side (the
// host's, or one a container shares), or none.
void add_shm(std::vector<MountOp>& ops, const RootfsLayout& layout) {
  if (layout.shm == ShmMount::none) return;
  ops.push_back(make_dir("/dev/shm"));
  if (layout.shm == ShmMount::bind) {
    ops.push_back(bind_op(layout.shm_source, "/dev/shm", 0));
    return;
  }
  ops.push_back(mount("shm", "/dev/shm", "tmpfs", kNoSuidDevExec,
                      "mode=1777,size=" + size_option(layout.shm_size)));
}

void add_dev(std::vector<MountOp>& ops, const RootfsLayout& layout) {
  // Docker's /dev: a small tmpfs with only the harmless devices, never the host's devtmpfs.
  ops.push_back(make_dir("/dev"));
  ops.push_back(
      mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"));
  struct Device {
    const char* name;
    std::uint32_t major, minor;
  };
  static constexpr Device kDevices[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                                        {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  for (const auto& d : kDevices)
    ops.push_back(char_device(std::string{"/dev/"} + d.name, d.major, d.minor));
  // newinstance: the container gets its own pty numbering, not the host's /dev/pts.
  ops.push_back(make_dir("/dev/pts"));
  ops.push_back(mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                      "newinstance,ptmxmode=0666,mode=0620,gid=5"));
  ops.push_back(symlink("/dev/ptmx", "pts/ptmx"));
  add_shm(ops, layout);
  ops.push_back(make_dir("/dev/mqueue"));
  ops.push_back(mount("mqueue", "/dev/mqueue", "mqueue", kNoSuidDevExec));
  ops.push_back(symlink("/dev/fd", "/proc/self/fd"));
  ops.push_back(symlink("/dev/stdin", "/proc/self/fd/0"));
  ops.push_back(symlink("/dev/stdout", "/proc/self/fd/1"));
  ops.push_back(symlink("/dev/stderr", "/proc/self/fd/2"));
}

// Docker's defaults (moby oci/defaults.go). Without them a root workload could write
// /proc/sys/kernel/core_pattern or /proc/sysrq-trigger, which act on the host kernel.
void add_protected_paths(std::vector<MountOp>& ops) {
  static constexpr const char* kMasked[] = {
      "/proc/asound",     "/proc/acpi",        "/proc/interrupts",
      "/proc/kcore",      "/proc/keys",        "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/proc/scsi",       "/sys/firmware",     "/sys/devices/virtual/powercap"};
  static constexpr const char* kReadOnly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                              "/proc/sysrq-trigger"};
  for (const char* p : kMasked) ops.push_back(op_on(MountKind::Mask, p));
  for (const char* p : kReadOnly) {
    ops.push_back(op_on(MountKind::ReadOnly, p));
    ops.back().flags = MS_RDONLY;
  }
}

}  // namespace

Status check_mount_destination(const std::string& target) {
  // runc allows these inside /proc: what lxcfs mounts there to show a container its limits.
  static constexpr std::string_view kProcFiles[] = {
      "/proc/cpuinfo", "/proc/diskstats",
      "/proc/meminfo", "/proc/stat",
      "/proc/swaps",   "/proc/uptime",
      "/proc/loadavg", "/proc/slabinfo",
      "/proc/net/dev", "/proc/sys/kernel/ns_last_pid"};
  static constexpr std::string_view kDevEntries[] = {
      "/dev/pts",    "/dev/ptmx",    "/dev/null",  "/dev/zero",    "/dev/full",
      "/dev/random", "/dev/urandom", "/dev/tty",   "/dev/console", "/dev/fd",
      "/dev/stdin",  "/dev/stdout",  "/dev/stderr"};
  auto refuse = [&] {
    return fail(EINVAL, "invalid mount destination \"" + target +
                            "\": the container's /, /proc, /sys and /dev are not mount targets");
  };
  auto inside = [&](std::string_view dir) {
    return target.size() > dir.size() && target.compare(0, dir.size(), dir) == 0 &&
           target[dir.size()] == '/';
  };
  if (target == "/" || target == "/proc" || target == "/sys" || target == "/dev") return refuse();
  if (inside("/proc") &&
      std::find(std::begin(kProcFiles), std::end(kProcFiles), target) == std::end(kProcFiles))
    return refuse();
  for (auto entry : kDevEntries)
    if (target == entry || inside(entry)) return refuse();
  return ok();
}

std::string clean_absolute(std::string_view path) {
  std::vector<std::string_view> kept;
  for (auto part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!kept.empty()) kept.pop_back();
      continue;
    }
    kept.push_back(part);
  }
  std::string out;
  for (auto part : kept) {
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

Result<MountOp> parse_tmpfs(const std::string& text) {
  auto colon = text.find(':');
  std::string_view path = std::string_view{text}.substr(0, colon);
  auto error = [&](const std::string& why) {
    return fail(EINVAL, "invalid tmpfs \"" + text + "\": " + why);
  };
  if (path.empty() || path.front() != '/') return error("path must be absolute");
  MountOp op = mount("tmpfs", clean_absolute(path), "tmpfs", kNoSuidDevExec);
  if (op.target == "/") return error("path cannot be \"/\"");
  ASUP_TRY(check_mount_destination(op.target));
  if (colon == std::string::npos) return op;
  for (auto opt : split(std::string_view{text}.substr(colon + 1), ',')) {
    if (opt.empty()) return error("empty option");
    if (mount_flags::apply(opt, op.flags)) continue;
    if (!op.data.empty()) op.data += ',';
    op.data += opt;
  }
  return op;
}

std::vector<MountOp> build_container_mounts(const RootfsLayout& layout) {
  std::vector<MountOp> ops;

  // index=off: with the index feature on (a kernel build or module default), overlayfs
  // records the origin file handles of lower files in upper/work and then refuses the mount
  // (ESTALE) once a shared layer directory was re-extracted or moved; Docker's overlay2
  // driver turns it off for the same reason. Nothing here needs hard-link preservation
  // across copy-up, which is all the index buys.
  std::string lower;
  for (const auto& dir : layout.lower_dirs) {
    if (!lower.empty()) lower += ':';
    lower += dir;
  }
  std::string data = "lowerdir=" + lower;
  if (!layout.upper_dir.empty()) data += ",upperdir=" + layout.upper_dir;
  if (!layout.work_dir.empty()) data += ",workdir=" + layout.work_dir;
  data += ",index=off";
  MountOp root = mount("overlay", layout.merged_dir, "overlay", 0, std::move(data));
  root.host_target = true;
  ops.push_back(std::move(root));

  ops.push_back(make_dir("/proc", 0555));
  ops.push_back(mount("proc", "/proc", "proc", kNoSuidDevExec));
  ops.push_back(make_dir("/sys", 0555));
  ops.push_back(
      mount("sysfs", "/sys", "sysfs", (layout.privileged ? 0 : MS_RDONLY) | kNoSuidDevExec));
  add_dev(ops, layout);

  add_etc_file(ops, layout.hostname_file, "/etc/hostname");
  add_etc_file(ops, layout.hosts_file, "/etc/hosts");
  add_etc_file(ops, layout.resolv_conf_file, "/etc/resolv.conf");

  // With a slave among them / is rslave (init's make_mounts_private): the others are made
  // rprivate again, as Docker's default propagation has them.
  const bool any_slave = std::any_of(layout.volumes.begin(), layout.volumes.end(),
                                     [](const VolumeMount& v) { return is_slave(v.propagation); });
  for (const auto& v : layout.volumes) {
    // Docker creates a missing host path as a directory, so a path that cannot be stat'ed
    // here is treated as one; the bind then reports the real error if it is still missing.
    struct stat st;
    bool is_file = ::stat(v.host_path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
    if (is_file) {
      ops.push_back(make_file(v.container_path));
    } else {
      ops.push_back(make_dir(v.container_path));
    }
    // MS_REC: Docker's default "rbind" also carries the mounts below the host path.
    std::uint64_t flags = MS_REC | (v.read_only ? MS_RDONLY : 0);
    MountOp bind = bind_op(v.host_path, v.container_path, flags);
    bind.propagation = propagation_flags(v.propagation, any_slave);
    ops.push_back(std::move(bind));
  }

  for (const auto& t : layout.tmpfs) {
    auto op = parse_tmpfs(t);
    if (!op) {
      ops.push_back(mount("tmpfs", t, "tmpfs", kNoSuidDevExec));
      continue;
    }
    ops.push_back(make_dir(op.value().target));
    ops.push_back(std::move(op).value());
  }

  for (const auto& d : layout.devices) ops.push_back(host_device(d));

  if (!layout.privileged) add_protected_paths(ops);
  return ops;
}

}  // namespace asup::launch
