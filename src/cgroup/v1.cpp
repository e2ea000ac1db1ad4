// cgroup v1: one hierarchy per controller (or per set of co-mounted controllers, such as
// "cpu,cpuacct"); a container's group is the directory PARENT/ID in each hierarchy used.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "cgroup/blkio.hpp"
#include "cgroup/cgroup.hpp"
#include "cgroup/control_file.hpp"
#include "cgroup/cpu.hpp"
#include "cgroup/cpuset.hpp"
#include "cgroup/devices.hpp"
#include "cgroup/freezer.hpp"
#include "cgroup/live_update.hpp"
#include "cgroup/memory.hpp"
#include "cgroup/pids.hpp"
#include "cgroup/plan.hpp"
#include "core/fs.hpp"

namespace asup::cgroup {
namespace {

// Controllers a container's group joins even without limits: memory for OOM reports, pids
// and cpu for accounting and a uniform layout, devices for the device policy every
// container has, freezer for pause (an exec'ed process joins these too, through
// procs_files, so it is frozen and confined with the rest).
constexpr std::array<std::string_view, 5> kUsedControllers = {
    memory::kController, cpu::kController, pids::kController, devices::kController,
    freezer::kController};
// Joined only when a limit needs them: cpuset needs cpus and mems copied in before a task
// may join, and blkio's weight is the only use we have for it.
constexpr std::array<std::string_view, 2> kOnDemandControllers = {cpuset::kController,
                                                                  blkio::kControllerV1};

struct Hierarchy {
  std::string dir;                       // MOUNT/cpu,cpuacct
  std::vector<std::string> controllers;  // the used controllers it serves
  bool kernel_files = true;
  bool always = true;  // it serves one of kUsedControllers
};

bool names_controller(std::string_view dir_name, std::string_view controller) {
  while (!dir_name.empty()) {
    std::size_t comma = dir_name.find(',');
    if (dir_name.substr(0, comma) == controller) return true;
    if (comma == std::string_view::npos) break;
    dir_name.remove_prefix(comma + 1);
  }
  return false;
}

// Finds each used controller's hierarchy under the mount root. Co-mounted controllers
// appear under their joint name with per-controller symlinks ("cpu" -> "cpu,cpuacct"):
// the real directory is preferred, and two names for one hierarchy count once.
std::vector<Hierarchy> discover(const std::string& root) {
  std::vector<Hierarchy> found;
  std::vector<std::pair<dev_t, ino_t>> ids;
  auto names = fs::list_dir(root);
  if (!names) return found;
  std::vector<std::string_view> controllers(kUsedControllers.begin(), kUsedControllers.end());
  controllers.insert(controllers.end(), kOnDemandControllers.begin(), kOnDemandControllers.end());
  for (auto controller : controllers) {
    bool always = std::find(kUsedControllers.begin(), kUsedControllers.end(), controller) !=
                  kUsedControllers.end();
    std::string best;
    bool best_is_link = true;
    for (const auto& name : names.value()) {
      if (!names_controller(name, controller)) continue;
      std::string path = fs::join(root, name);
      struct stat lst;
      if (!fs::is_directory(path) || ::lstat(path.c_str(), &lst) != 0) continue;
      bool is_link = S_ISLNK(lst.st_mode);
      if (best.empty() || (best_is_link && !is_link)) {
        best = path;
        best_is_link = is_link;
      }
    }
    if (best.empty()) continue;
    struct stat st;
    if (::stat(best.c_str(), &st) != 0) continue;
    auto id = std::make_pair(st.st_dev, st.st_ino);
    auto same = std::find(ids.begin(), ids.end(), id);
    if (same != ids.end()) {
      auto& h = found[static_cast<std::size_t>(same - ids.begin())];
      h.controllers.emplace_back(controller);
      h.always = h.always || always;
      continue;
    }
    ids.push_back(id);
    found.push_back(Hierarchy{best, {std::string{controller}}, is_cgroupfs(best), always});
  }
  return found;
}

struct GroupDir {
  std::string path;
  std::vector<std::string> controllers;
  bool kernel_files = true;
  std::string hierarchy;  // the mount of its hierarchy (MOUNT/cpuset)
};

const GroupDir* dir_for(const std::vector<GroupDir>& dirs, std::string_view controller) {
  for (const auto& d : dirs)
    if (std::find(d.controllers.begin(), d.controllers.end(), controller) != d.controllers.end())
      return &d;
  return nullptr;
}

class GroupV1 final : public Group {
 public:
  GroupV1(std::string id, std::vector<GroupDir> dirs)
      : id_(std::move(id)), dirs_(std::move(dirs)) {}

  int clone_into_fd() const override { return -1; }

  Status add_process(pid_t pid) override {
    std::string value = std::to_string(pid);
    for (const auto& d : dirs_) {
      ASUP_TRY(write_control_file(fs::join(d.path, "cgroup.procs"), value, !d.kernel_files));
    }
    return ok();
  }

  std::vector<std::string> procs_files() const override {
    std::vector<std::string> out;
    for (const auto& d : dirs_) out.push_back(fs::join(d.path, "cgroup.procs"));
    return out;
  }

  bool oom_killed() const override {
    const GroupDir* d = dir_for(dirs_, memory::kController);
    if (!d) return false;
    auto text = fs::read_file(fs::join(d->path, memory::kOomControlV1));
    return text && memory::oom_kill_reported(text.value());
  }

  Status kill_all() override {
    // Signal first, then thaw: a frozen task acts on the SIGKILL only once thawed, and
    // thawing first would let the group run, and fork, before the signal (runc's order).
    ASUP_TRY(kill_listed_processes(procs_files()));
    return thaw();
  }

  Status freeze() override {
    const GroupDir* d = dir_for(dirs_, freezer::kController);
    if (!d)
      return fail(ENOTSUP,
                  "freeze " + id_ + ": its cgroup (" + describe() + ") is in no freezer hierarchy");
    return freezer::freeze(Version::V1, d->path, d->kernel_files, id_);
  }

  Status thaw() override {
    const GroupDir* d = dir_for(dirs_, freezer::kController);
    return d ? freezer::thaw(Version::V1, d->path, d->kernel_files) : ok();
  }

  Result<FreezerState> freezer_state() const override {
    const GroupDir* d = dir_for(dirs_, freezer::kController);
    return d ? freezer::state(Version::V1, d->path) : FreezerState::Thawed;
  }

  Status update(const Limits& limits) override {
    std::optional<std::int64_t> memory_now;
    const GroupDir* memory_dir = dir_for(dirs_, memory::kController);
    if ((limits.memory_bytes || limits.memory_swap) && memory_dir) {
      // Unreadable, it orders the writes as for a new group; a write the kernel then
      // refuses is reported and undone like any other.
      auto now = read_number(fs::join(memory_dir->path, memory::kLimitV1));
      if (now) memory_now = now.value();
    }
    ASUP_TRY(auto plan, plan_update(Version::V1, limits, memory_now));
    std::vector<LiveWrite> writes;
    for (auto& s : plan) {
      const GroupDir* d = dir_for(dirs_, s.controller);
      if (!d && s.optional) continue;
      if (!d)
        return fail(ENOENT, "update cgroup " + id_ + ": it has no group in a \"" + s.controller +
                                "\" hierarchy");
      writes.push_back({std::move(s), d->path, !d->kernel_files});
    }
    return apply_live(Version::V1, writes);
  }

  Status destroy() override {
    // Every hierarchy is tried; the first error is reported.
    Status result = ok();
    for (const auto& d : dirs_) {
      auto r = remove_group_dir(d.path, d.kernel_files);
      if (!r && result) result = r;
    }
    return result;
  }

  std::string describe() const override {
    std::string out;
    for (const auto& d : dirs_) {
      if (!out.empty()) out += ", ";
      out += d.path;
    }
    return out;
  }

 private:
  std::string id_;
  std::vector<GroupDir> dirs_;
};

class ManagerV1 final : public Manager {
 public:
  ManagerV1(std::string mount_root, std::string parent)
      : root_(std::move(mount_root)), parent_(std::move(parent)), hierarchies_(discover(root_)) {}

  std::string version() const override { return "v1"; }

  Result<std::unique_ptr<Group>> create(const std::string& id, const Limits& limits,
                                        const std::string& parent) override {
    ASUP_TRY(check_group_id(id));
    const std::string& under = parent.empty() ? parent_ : parent;
    auto result = create_dirs(id, limits, under);
    if (!result) return fail(result.error().wrap("create cgroup " + fs::join(under, id)));
    return result;
  }

  std::unique_ptr<Group> open(const std::string& id, const std::string& parent) override {
    const std::string& under = parent.empty() ? parent_ : parent;
    // A container started by an asupd that did not use every hierarchy yet (devices came
    // later) has no directory in the newer ones, nor has one whose limits needed no cpuset
    // or blkio in those; exec must not try to join them. When none exists, those of
    // every group are kept, so errors name the paths.
    std::vector<GroupDir> existing;
    for (auto& d : group_dirs(id, nullptr, under))
      if (fs::is_directory(d.path)) existing.push_back(d);
    const std::vector<std::string> none;
    return std::make_unique<GroupV1>(id,
                                     existing.empty() ? group_dirs(id, &none, under) : existing);
  }

  void remove_parent_if_empty() override {
    for (const auto& h : hierarchies_) ::rmdir(fs::join(h.dir, parent_).c_str());
  }

 private:
  // The group's directories: in every hierarchy that is always used and in those serving
  // `needed`. Without `needed`, in every hierarchy (open: which ones a group has is
  // decided by what exists).
  std::vector<GroupDir> group_dirs(const std::string& id, const std::vector<std::string>* needed,
                                   const std::string& parent) const {
    std::vector<GroupDir> dirs;
    for (const auto& h : hierarchies_) {
      bool wanted = !needed || h.always;
      for (const auto& c : needed ? *needed : std::vector<std::string>{})
        wanted = wanted ||
                 std::find(h.controllers.begin(), h.controllers.end(), c) != h.controllers.end();
      if (wanted)
        dirs.push_back(
            {fs::join(fs::join(h.dir, parent), id), h.controllers, h.kernel_files, h.dir});
    }
    return dirs;
  }

  // The value a setting writes: its own, or the parent group's (Setting::inherit). A
  // cpuset value must also be within the parent's, which is empty when this asupd just
  // made the parent: reading what the group would inherit fills the parent in.
  static Result<std::string> value_of(const Setting& s, const GroupDir& d) {
    if (s.controller != cpuset::kController) return s.value;
    ASUP_TRY(auto parent_value,
             cpuset::inherited_value(d.path, s.file, d.hierarchy, !d.kernel_files));
    return s.inherit ? parent_value : s.value;
  }

  // Runs of settings for one file (the device rules) go through one descriptor.
  Status apply(const std::vector<GroupDir>& dirs, const std::vector<Setting>& plan) const {
    for (std::size_t i = 0, end = 0; i < plan.size(); i = end) {
      const auto& s = plan[i];
      const GroupDir* d = dir_for(dirs, s.controller);
      std::vector<std::string> owned;
      for (end = i;
           end < plan.size() && plan[end].controller == s.controller && plan[end].file == s.file;
           ++end) {
        if (!d) continue;
        ASUP_TRY(auto value, value_of(plan[end], *d));
        owned.push_back(std::move(value));
      }
      if (!d) continue;  // an optional controller this host lacks (create_dirs checked)
      std::vector<std::string_view> values(owned.begin(), owned.end());
      auto r = write_control_values(fs::join(d->path, s.file), values, !d->kernel_files);
      if (!r && !(s.optional && r.error().code == ENOENT)) return r;
    }
    return ok();
  }

  Result<std::unique_ptr<Group>> create_dirs(const std::string& id, const Limits& limits,
                                             const std::string& parent) {
    ASUP_TRY(auto plan, plan_limits(Version::V1, limits));
    auto needed = controllers_of(plan);
    auto dirs = group_dirs(id, &needed, parent);
    for (const auto& c : required_controllers_of(plan))
      if (!dir_for(dirs, c))
        return fail("cgroup v1 controller \"" + c + "\" is not mounted under " + root_);
    if (dirs.empty()) return fail(ENOENT, "find cgroup v1 hierarchies under " + root_);

    // What this call made, undone in reverse on failure. rmdir of a parent that holds
    // other groups fails, so a parent in use stays.
    std::vector<std::string> made_parents;
    std::vector<const GroupDir*> made_groups;
    auto undo = [&] {
      for (auto it = made_groups.rbegin(); it != made_groups.rend(); ++it)
        (void)remove_group_dir((*it)->path, (*it)->kernel_files);
      for (auto it = made_parents.rbegin(); it != made_parents.rend(); ++it) ::rmdir(it->c_str());
    };

    Status status = ok();
    for (const auto& d : dirs) {
      std::string parent_dir = d.path.substr(0, d.path.rfind('/'));
      if (::mkdir(parent_dir.c_str(), 0755) == 0) {
        made_parents.push_back(parent_dir);
      } else if (errno != EEXIST) {
        status = fs::make_dirs(parent_dir);  // a nested parent ("a/b")
        if (!status) break;
      }
      if (::mkdir(d.path.c_str(), 0755) != 0) {
        status = fail_errno("mkdir " + d.path);
        break;
      }
      made_groups.push_back(&d);
    }
    if (status) status = apply(dirs, plan);
    if (!status) {
      undo();
      return fail(status.error());
    }
    return std::unique_ptr<Group>(std::make_unique<GroupV1>(id, std::move(dirs)));
  }

  std::string root_;
  std::string parent_;
  std::vector<Hierarchy> hierarchies_;
};

}  // namespace

std::unique_ptr<Manager> make_v1(const std::string& mount_root, const std::string& parent) {
  return std::make_unique<ManagerV1>(mount_root, parent);
}

}  // namespace asup::cgroup
