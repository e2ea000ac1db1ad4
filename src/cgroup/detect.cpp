#include <linux/magic.h>
#include <sys/statfs.h>

#include "cgroup/cgroup.hpp"
#include "core/fs.hpp"

namespace asup::cgroup {

Result<std::unique_ptr<Manager>> detect(const std::string& parent) {
  const std::string root = "/sys/fs/cgroup";
  struct statfs st;
  if (::statfs(root.c_str(), &st) != 0) return fail_errno("statfs " + root);
  // Pure v2 mounts cgroup2 on /sys/fs/cgroup itself. Hybrid and legacy hosts mount a
  // tmpfs there holding one v1 hierarchy per controller (hybrid adds a limb of cgroup2 at
  // "unified" that carries no resource controllers, so limits go to v1).
  if (st.f_type == CGROUP2_SUPER_MAGIC) return make_v2(root, parent);
  if (!fs::is_directory(fs::join(root, "memory")) && !fs::is_directory(fs::join(root, "pids")))
    return fail(ENOENT, "find cgroup v1 hierarchies under " + root);
  return make_v1(root, parent);
}

}  // namespace asup::cgroup
