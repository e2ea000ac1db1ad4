// cgroup v2: one tree; a container's group is MOUNT/PARENT/ID, and the parent hands the
// controllers a limit needs down to its children through cgroup.subtree_control. Device
// rules are a BPF program attached to the group (device_filter.hpp), before any process
// is born into it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <sstream>

#include "cgroup/cgroup.hpp"
#include "cgroup/control_file.hpp"
#include "cgroup/device_filter.hpp"
#include "cgroup/freezer.hpp"
#include "cgroup/live_update.hpp"
#include "cgroup/memory.hpp"
#include "cgroup/plan.hpp"
#include "core/fs.hpp"

namespace asup::cgroup {
namespace {

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Children see only the controllers their parent enables in cgroup.subtree_control,
// and the parent may enable only those listed in its own cgroup.controllers.
Status enable_controllers(const std::string& parent_path, const std::vector<std::string>& needed,
                          bool kernel_files) {
  if (needed.empty()) return ok();
  std::string controllers_file = fs::join(parent_path, "cgroup.controllers");
  std::string subtree_file = fs::join(parent_path, "cgroup.subtree_control");
  ASUP_TRY(auto available_text, fs::read_file(controllers_file));
  auto available = words(available_text);
  for (const auto& c : needed) {
    if (!contains(available, c))
      return fail("cgroup v2 controller \"" + c + "\" is not available under " + parent_path);
  }
  ASUP_TRY(auto enabled_text, fs::read_file(subtree_file));
  auto enabled = words(enabled_text);
  std::string change;
  for (const auto& c : needed) {
    if (contains(enabled, c)) continue;
    if (!change.empty()) change += ' ';
    change += "+" + c;
  }
  if (change.empty()) return ok();
  return write_control_file(subtree_file, change, !kernel_files);
}

class GroupV2 final : public Group {
 public:
  GroupV2(std::string id, std::string path, bool kernel_files)
      : id_(std::move(id)), path_(std::move(path)), kernel_files_(kernel_files) {
    // CLONE_INTO_CGROUP takes a directory fd; holding it also pins the path we mean.
    dir_.reset(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_) open_errno_ = errno;
  }

  int clone_into_fd() const override { return dir_.get(); }
  int open_errno() const { return open_errno_; }

  Status add_process(pid_t pid) override {
    return write_control_file(fs::join(path_, "cgroup.procs"), std::to_string(pid), !kernel_files_);
  }

  std::vector<std::string> procs_files() const override {
    return {fs::join(path_, "cgroup.procs")};
  }

  bool oom_killed() const override {
    auto events = fs::read_file(fs::join(path_, memory::kEventsV2));
    return events && memory::oom_kill_reported(events.value());
  }

  Status kill_all() override {
    // cgroup.kill (Linux 5.14) kills atomically, forks in flight included; older kernels
    // lack it and get the procs walk. Either works on a frozen group without a thaw: the
    // v2 freezer lets a fatal signal through (cgroup-v2.rst, "Core Interface Files").
    auto r = write_control_file(fs::join(path_, "cgroup.kill"), "1", !kernel_files_);
    if (r || r.error().code != ENOENT) return r;
    return kill_listed_processes(procs_files());
  }

  Status freeze() override { return freezer::freeze(Version::V2, path_, kernel_files_, id_); }
  Status thaw() override { return freezer::thaw(Version::V2, path_, kernel_files_); }
  Result<FreezerState> freezer_state() const override { return freezer::state(Version::V2, path_); }

  Status update(const Limits& limits) override {
    // memory.swap.max counts swap alone: a new --memory-swap without --memory is
    // counted from the limit the group has (none: "max", which fails the plan).
    std::optional<std::int64_t> memory_now;
    if (limits.memory_swap && !limits.memory_bytes) {
      auto now = read_number(fs::join(path_, memory::kMaxV2));
      if (now) memory_now = now.value();
    }
    ASUP_TRY(auto plan, plan_update(Version::V2, limits, memory_now));
    // A limit the group was created without needs its controller enabled by the parent
    // now; the parent holds groups but no processes, so the kernel allows it. A failed
    // update leaves it enabled: that changes no limit.
    std::string parent = path_.substr(0, path_.rfind('/'));
    ASUP_TRY(enable_controllers(parent, controllers_of(plan), kernel_files_));
    std::vector<LiveWrite> writes;
    for (auto& s : plan) writes.push_back({std::move(s), path_, !kernel_files_});
    return apply_live(Version::V2, writes);
  }

  Status destroy() override {
    dir_.reset();
    return remove_group_dir(path_, kernel_files_);
  }

  std::string describe() const override { return path_; }

 private:
  std::string id_;
  std::string path_;
  bool kernel_files_;
  UniqueFd dir_;
  int open_errno_ = 0;
};

class ManagerV2 final : public Manager {
 public:
  ManagerV2(std::string mount_root, std::string parent)
      : root_(std::move(mount_root)),
        parent_path_(fs::join(root_, parent)),
        kernel_files_(is_cgroupfs(root_)) {}

  std::string version() const override { return "v2"; }

  Result<std::unique_ptr<Group>> create(const std::string& id, const Limits& limits,
                                        const std::string& parent) override {
    ASUP_TRY(check_group_id(id));
    ASUP_TRY(auto plan, plan_limits(Version::V2, limits));
    const std::string parent_path = parent_path_of(parent);
    bool created_parent = false;
    auto result = parent.empty()
                      ? create_in_parent(id, parent_path, plan, limits.devices, created_parent)
                      : create_in_own_parent(id, parent, plan, limits.devices);
    // A parent made by this call goes again on failure; rmdir of a cgroup that holds
    // groups fails, so a parent in use by others stays.
    if (!result && created_parent) ::rmdir(parent_path.c_str());
    if (!result) return fail(result.error().wrap("create cgroup " + fs::join(parent_path, id)));
    return result;
  }

  std::unique_ptr<Group> open(const std::string& id, const std::string& parent) override {
    return std::make_unique<GroupV2>(id, fs::join(parent_path_of(parent), id), kernel_files_);
  }

  void remove_parent_if_empty() override { ::rmdir(parent_path_.c_str()); }

 private:
  std::string parent_path_of(const std::string& parent) const {
    return parent.empty() ? parent_path_ : fs::join(root_, parent);
  }

  // --cgroup-parent: each level below the root is made when missing and hands the
  // controllers down to the next, so the container's group gets them wherever it is.
  Result<std::unique_ptr<Group>> create_in_own_parent(const std::string& id,
                                                      const std::string& parent,
                                                      const std::vector<Setting>& plan,
                                                      const std::vector<DeviceRule>& devices) {
    std::string level = root_;
    std::size_t start = 0;
    while (start < parent.size()) {
      std::size_t slash = parent.find('/', start);
      if (slash == std::string::npos) slash = parent.size();
      if (slash > start) {
        std::string above = level;
        level = fs::join(level, parent.substr(start, slash - start));
        if (::mkdir(level.c_str(), 0755) != 0 && errno != EEXIST)
          return fail_errno("mkdir " + level);
        if (above != root_) {
          ASUP_TRY(enable_controllers(above, controllers_of(plan), kernel_files_));
        }
      }
      start = slash + 1;
    }
    bool created = false;
    return create_in_parent(id, level, plan, devices, created);
  }

  Result<std::unique_ptr<Group>> create_in_parent(const std::string& id,
                                                  const std::string& parent_path,
                                                  const std::vector<Setting>& plan,
                                                  const std::vector<DeviceRule>& devices,
                                                  bool& created_parent) {
    if (!fs::is_directory(parent_path)) {
      if (::mkdir(parent_path.c_str(), 0755) == 0) {
        created_parent = true;
      } else if (errno != EEXIST) {
        ASUP_TRY(fs::make_dirs(parent_path));  // a nested parent ("a/b")
      }
    }
    ASUP_TRY(enable_controllers(parent_path, controllers_of(plan), kernel_files_));

    std::string path = fs::join(parent_path, id);
    if (::mkdir(path.c_str(), 0755) != 0) return fail_errno("mkdir " + path);
    auto group = std::make_unique<GroupV2>(id, path, kernel_files_);
    auto applied = apply(path, plan, *group);
    if (applied && !devices.empty()) applied = attach_devices(*group, devices, path);
    if (!applied) {
      (void)group->destroy();
      return fail(applied.error());
    }
    return std::unique_ptr<Group>(std::move(group));
  }

  Status apply(const std::string& path, const std::vector<Setting>& plan, const GroupV2& group) {
    if (group.clone_into_fd() < 0) return fail(group.open_errno(), "open " + path);
    for (const auto& s : plan) {
      auto r = write_control_file(fs::join(path, s.file), s.value, !kernel_files_);
      if (!r && !(s.optional && r.error().code == ENOENT)) return r;
    }
    return ok();
  }

  // Most containers share one policy (Docker's defaults): its program is loaded once per
  // asupd and attached to each group, which spares the verifier's run on every start.
  Status attach_devices(const GroupV2& group, const std::vector<DeviceRule>& rules,
                        const std::string& path) {
    auto program = compile_device_filter(rules);
    bool same =
        program_fd_ && program.size() == program_.size() &&
        std::memcmp(program.data(), program_.data(), program.size() * sizeof(bpf_insn)) == 0;
    if (!same) {
      ASUP_TRY(program_fd_, load_device_filter(program));
      program_ = std::move(program);
    }
    return attach_device_filter(group.clone_into_fd(), program_fd_.get(), path);
  }

  std::string root_;
  std::string parent_path_;
  bool kernel_files_;
  std::vector<bpf_insn> program_;  // the last device filter loaded, and its descriptor
  UniqueFd program_fd_;
};

}  // namespace

std::unique_ptr<Manager> make_v2(const std::string& mount_root, const std::string& parent) {
  return std::make_unique<ManagerV2>(mount_root, parent);
}

}  // namespace asup::cgroup
