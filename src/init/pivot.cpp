#include "init/pivot.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "asup/unique_fd.hpp"

namespace asup::init {
namespace {

Result<bool> is_mount_root(const std::string& path) {
  struct statx stx;
  if (::statx(AT_FDCWD, path.c_str(), 0, STATX_TYPE, &stx) != 0) return fail_errno("stat " + path);
  if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
    return fail(ENOSYS, "stat " + path + ": no mount-root attribute");
  return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

}  // namespace

Status enter_rootfs(const std::string& rootfs) {
  ASUP_TRY(bool mounted, is_mount_root(rootfs));
  // pivot_root wants a mount point as the new root (EINVAL otherwise).
  if (!mounted && ::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return fail_errno("bind " + rootfs + " on itself");

  UniqueFd root{::open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (!root) return fail_errno("open rootfs " + rootfs);
  if (::fchdir(root.get()) != 0) return fail_errno("chdir " + rootfs);
  // new_root == put_old: the old root ends up mounted on top of the new one at ".", and
  // no directory for it has to exist in the image.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return fail_errno("pivot_root " + rootfs);
  if (::umount2(".", MNT_DETACH) != 0) return fail_errno("detach old root");
  if (::chdir("/") != 0) return fail_errno("chdir /");
  return ok();
}

}  // namespace asup::init
