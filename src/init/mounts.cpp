#include "init/mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>

#include "init/fs_context.hpp"
#include "init/in_root.hpp"

namespace asup::init {
namespace {

using launch::MountKind;
using launch::MountOp;

// mount(2) copies at most a page of option data.
constexpr std::size_t kMountDataLimit = 4096;

// Flags a bind remount must keep: the kernel refuses (EPERM) to clear a locked one, and
// silently dropping nosuid/nodev/noexec from a mount would be a surprise anyway.
std::uint64_t kept_flags(int fd) {
  struct statvfs sv;
  if (::fstatvfs(fd, &sv) != 0) return 0;
  std::uint64_t flags = 0;
  if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

class Executor {
 public:
  explicit Executor(const std::string& rootfs) : rootfs_(rootfs) {}

  Status run(const MountOp& op) {
    if (op.host_target) {
      // A mount on the host path (the overlay on the merged dir) changes what the root
      // directory is: reopen it before the next container path.
      root_.reset();
      return run_on_host(op);
    }
    if (op.target.empty() || op.target.front() != '/')
      return fail(EINVAL, "invalid container path \"" + op.target + "\" (must be absolute)");
    ASUP_TRY(int root, root_fd());
    switch (op.kind) {
      case MountKind::Mount:
        return mount_in_root(root, op);
      case MountKind::Bind:
        return bind_in_root(root, op);
      case MountKind::MakeDir:
        return create_in_root(root, op.target,
                              Node{NodeKind::Directory, op.mode ? op.mode : 0755, 0, {}});
      case MountKind::MakeFile:
        return create_in_root(root, op.target,
                              Node{NodeKind::File, op.mode ? op.mode : 0644, 0, {}});
      case MountKind::MakeDevice:
        if (!S_ISCHR(op.mode) && !S_ISBLK(op.mode))
          return fail(EINVAL, "mknod " + op.target + ": mode is not a device");
        return create_in_root(
            root, op.target,
            Node{NodeKind::Device, op.mode, ::makedev(op.major, op.minor), {}, op.uid, op.gid});
      case MountKind::Symlink:
        return create_in_root(root, op.target, Node{NodeKind::Symlink, 0, 0, op.source});
      case MountKind::Mask:
        return mask(root, op);
      case MountKind::ReadOnly:
        return make_read_only(root, op);
    }
    return fail(EINVAL, "unknown mount operation for " + op.target);
  }

 private:
  Result<int> root_fd() {
    if (!root_) {
      root_.reset(::open(rootfs_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!root_) return fail_errno("open rootfs " + rootfs_);
    }
    return root_.get();
  }

  Status run_on_host(const MountOp& op) {
    const char* data = op.data.empty() ? nullptr : op.data.c_str();
    switch (op.kind) {
      case MountKind::Mount:
        // Options past one page would be cut short by mount(2).
        if (op.data.size() >= kMountDataLimit && op.flags == 0)
          return mount_with_fs_context(op.fstype, op.data, op.target);
        if (::mount(op.source.c_str(), op.target.c_str(), op.fstype.c_str(), op.flags, data) != 0)
          return fail_errno("mount " + op.fstype + " on " + op.target);
        return ok();
      case MountKind::Bind:
        if (::mount(op.source.c_str(), op.target.c_str(), nullptr, MS_BIND | (op.flags & MS_REC),
                    nullptr) != 0)
          return fail_errno("bind " + op.source + " on " + op.target);
        return ok();
      case MountKind::MakeDir:
        if (::mkdir(op.target.c_str(), op.mode ? op.mode : 0755) != 0 && errno != EEXIST)
          return fail_errno("mkdir " + op.target);
        return ok();
      default:
        return fail(EINVAL, "unsupported host operation on " + op.target);
    }
  }

  Result<UniqueFd> target(int root, const MountOp& op) {
    auto fd = open_in_root(root, op.target, O_PATH);
    if (!fd) return fail(fd.error().code, "open " + op.target + " in rootfs");
    return fd;
  }

  Status mount_in_root(int root, const MountOp& op) {
    ASUP_TRY(auto fd, target(root, op));
    const char* data = op.data.empty() ? nullptr : op.data.c_str();
    if (::mount(op.source.c_str(), fd_path(fd.get()).c_str(), op.fstype.c_str(), op.flags, data) !=
        0)
      return fail_errno("mount " + op.fstype + " on " + op.target);
    return ok();
  }

  // The new mount sits above the dentry the old O_PATH descriptor names, so the remount
  // needs a fresh lookup to reach it.
  Status remount_bind(int root, const MountOp& op, std::uint64_t flags) {
    ASUP_TRY(auto fd, target(root, op));
    std::uint64_t all = MS_REMOUNT | MS_BIND | kept_flags(fd.get()) |
                        (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
    if (::mount(nullptr, fd_path(fd.get()).c_str(), nullptr, all, nullptr) != 0)
      return fail_errno("remount read-only " + op.target);
    return ok();
  }

  Status bind_in_root(int root, const MountOp& op) {
    // The source is a host path from asupd (a volume, /etc/hosts, ...): resolved normally.
    UniqueFd src{::open(op.source.c_str(), O_PATH | O_CLOEXEC)};
    if (!src) return fail_errno("bind " + op.source + " on " + op.target);
    ASUP_TRY(auto dst, target(root, op));
    if (::mount(fd_path(src.get()).c_str(), fd_path(dst.get()).c_str(), nullptr,
                MS_BIND | (op.flags & MS_REC), nullptr) != 0)
      return fail_errno("bind " + op.source + " on " + op.target);
    // A bind ignores MS_RDONLY and friends; they take a second, remount, call.
    if (op.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)) {
      ASUP_TRY(remount_bind(root, op, op.flags));
    }
    if (op.propagation == 0) return ok();
    // Opened again: the descriptor from before the bind names the directory beneath it.
    ASUP_TRY(auto mounted, target(root, op));
    if (::mount(nullptr, fd_path(mounted.get()).c_str(), nullptr, op.propagation, nullptr) != 0)
      return fail_errno("set the propagation of " + op.target);
    return ok();
  }

  Status mask(int root, const MountOp& op) {
    auto fd = open_in_root(root, op.target, O_PATH);
    if (!fd && fd.error().code == ENOENT) return ok();
    if (!fd) return fail(fd.error().code, "open " + op.target + " in rootfs");
    struct stat st;
    if (::fstat(fd.value().get(), &st) != 0) return fail_errno("stat " + op.target);
    std::string where = fd_path(fd.value().get());
    if (S_ISDIR(st.st_mode)) {
      if (::mount("tmpfs", where.c_str(), "tmpfs", MS_RDONLY, nullptr) != 0)
        return fail_errno("mask " + op.target);
      return ok();
    }
    // The host's /dev/null: this runs before pivot_root, in the container's mount
    // namespace, where it is still reachable.
    UniqueFd null{::open("/dev/null", O_PATH | O_CLOEXEC)};
    if (!null) return fail_errno("open /dev/null");
    if (::mount(fd_path(null.get()).c_str(), where.c_str(), nullptr, MS_BIND, nullptr) != 0)
      return fail_errno("mask " + op.target);
    return ok();
  }

  Status make_read_only(int root, const MountOp& op) {
    auto fd = open_in_root(root, op.target, O_PATH);
    if (!fd && fd.error().code == ENOENT) return ok();
    if (!fd) return fail(fd.error().code, "open " + op.target + " in rootfs");
    std::string where = fd_path(fd.value().get());
    if (::mount(where.c_str(), where.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
      return fail_errno("bind " + op.target + " on itself");
    return remount_bind(root, op, op.flags | MS_RDONLY);
  }

  std::string rootfs_;
  UniqueFd root_;
};

}  // namespace

Status make_mounts_private(const std::vector<launch::MountOp>& ops) {
  // A slave bind needs its source to stay a slave of the host's mount: / becomes rslave
  // then, as runc makes it by default. Otherwise nothing the host mounts later reaches
  // the container (and no host event costs it a copy).
  const bool slave = std::any_of(ops.begin(), ops.end(), [](const launch::MountOp& op) {
    return (op.propagation & MS_SLAVE) != 0;
  });
  if (::mount(nullptr, "/", nullptr, MS_REC | (slave ? MS_SLAVE : MS_PRIVATE), nullptr) != 0)
    return fail_errno(slave ? "make / rslave" : "make / rprivate");
  return ok();
}

Status execute_mounts(const std::vector<launch::MountOp>& ops, const std::string& rootfs) {
  Executor executor{rootfs};
  for (const auto& op : ops) {
    ASUP_TRY(executor.run(op));
  }
  return ok();
}

Status remount_root_read_only() {
  UniqueFd root{::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)};
  if (!root) return fail_errno("open /");
  if (::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags(root.get()),
              nullptr) != 0)
    return fail_errno("remount / read-only");
  return ok();
}

}  // namespace asup::init
