#include "volume/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <ctime>

#include "core/fs.hpp"
#include "core/tree_size.hpp"
#include "volume/names.hpp"
#include "volume/paths.hpp"
#include "volume/volume_json.hpp"

namespace asup::volume {
namespace {

constexpr const char* kRecord = "volume.json";
constexpr const char* kData = "_data";
constexpr const char* kTrash = ".trash";

auto no_such_volume(const std::string& name) {
  return fail(ENOENT, "get " + name + ": no such volume");
}

}  // namespace

Store::Store(std::string root, UniqueFd lock) : root_(std::move(root)), lock_(std::move(lock)) {}

Result<std::unique_ptr<Store>> Store::open(const std::string& root) {
  std::string dir = fs::join(root, "volumes");
  // 0701 as Docker's: others may reach a volume's _data by its path (a container user
  // that is not root), not list the names.
  ASUP_TRY(fs::make_dirs(dir, 0701));
  ASUP_TRY(auto lock, fs::open_fd(fs::join(dir, ".lock"), O_RDWR | O_CREAT, 0600));
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0)
    return fail_errno("lock the volume store " + dir + " (is another asupd using it?)");
  std::unique_ptr<Store> store{new Store(dir, std::move(lock))};
  ASUP_TRY(store->load());
  return store;
}

Status Store::load() {
  // Left by a remove that a crash cut short: nothing in it is a volume any more.
  std::string trash = fs::join(root_, kTrash);
  if (fs::exists(trash)) {
    ASUP_TRY(fs::remove_tree(trash));
  }
  ASUP_TRY(auto names, fs::list_dir(root_));
  for (const auto& name : names) {
    if (name.front() == '.') continue;
    std::string record = fs::join(fs::join(root_, name), kRecord);
    if (!validate_name(name) || !fs::exists(record)) {
      // A create cut short before its record, or something that is not ours: leave it be.
      spdlog::warn("volume store: skipping {}: no volume record", fs::join(root_, name));
      continue;
    }
    ASUP_TRY(auto text, fs::read_file(record));
    ASUP_TRY(auto v, decode_volume(text, record));
    if (v.name != name) return fail(EINVAL, record + " names volume \"" + v.name + "\"");
    v.mountpoint = data_path(name);
    volumes_[name] = std::move(v);
  }
  return ok();
}

std::string Store::data_path(const std::string& name) const {
  return fs::join(fs::join(root_, name), kData);
}

Result<Volume> Store::create(const std::string& requested, const Labels& labels,
                             const Options& options) {
  const bool anonymous = requested.empty();
  std::string name = requested;
  if (anonymous) {
    ASUP_TRY(name, generate_anonymous_name());
  } else if (auto valid = validate_name(name); !valid) {
    return fail(valid.error().wrap("create " + name));
  }
  if (auto valid = validate_options(options); !valid)
    return fail(valid.error().wrap("create " + name));

  std::lock_guard lock{mutex_};
  if (auto it = volumes_.find(name); it != volumes_.end()) return it->second;
  Volume v;
  v.name = name;
  v.labels = labels;
  if (anonymous) v.labels[kAnonymousLabel] = "";
  v.options = options;
  v.created = static_cast<std::int64_t>(std::time(nullptr));
  v.anonymous = anonymous;
  v.mountpoint = data_path(name);
  // The record is written last: a directory without one is a create that did not finish.
  ASUP_TRY(fs::make_dirs(v.mountpoint, 0755));
  ASUP_TRY(fs::write_file_atomic(fs::join(fs::join(root_, name), kRecord), encode_volume(v), 0600,
                                 true));
  volumes_[name] = v;
  return v;
}

Result<Volume> Store::get(const std::string& name) const {
  std::lock_guard lock{mutex_};
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return no_such_volume(name);
  return it->second;
}

std::vector<Volume> Store::list() const {
  return list(Filters{});
}

std::vector<Volume> Store::list(const Filters& filters) const {
  std::lock_guard lock{mutex_};
  std::vector<Volume> out;
  for (const auto& [name, v] : volumes_)
    if (matches(filters, v, in_use_locked(name))) out.push_back(v);
  return out;
}

bool Store::in_use_locked(const std::string& name) const {
  auto it = users_.find(name);
  return it != users_.end() && !it->second.empty();
}

Result<std::string> Store::take_out_locked(const std::string& name) {
  const Volume& v = volumes_.at(name);
  ASUP_TRY(unmount_locked(v));
  std::string trash = fs::join(root_, kTrash);
  ASUP_TRY(fs::make_dirs(trash, 0700));
  // A suffix keeps a later volume of the same name clear of what an earlier removal
  // failed to delete.
  std::string doomed = fs::join(trash, name + "." + std::to_string(++removals_));
  if (::rename(fs::join(root_, name).c_str(), doomed.c_str()) != 0)
    return fail_errno("remove " + name + ": rename " + fs::join(root_, name));
  volumes_.erase(name);
  users_.erase(name);
  return doomed;
}

Status Store::remove(const std::string& name, bool force) {
  std::string doomed;
  {
    std::lock_guard lock{mutex_};
    if (!volumes_.count(name)) return force ? ok() : no_such_volume(name);
    if (in_use_locked(name)) {
      std::string ids;
      for (const auto& id : users_.at(name)) ids += (ids.empty() ? "" : " ") + id;
      return fail(EBUSY, "remove " + name + ": volume is in use - [" + ids + "]");
    }
    ASUP_TRY(doomed, take_out_locked(name));
  }
  return fs::remove_tree(doomed);
}

Result<PruneResult> Store::prune(const Filters& filters) {
  std::vector<std::pair<std::string, std::string>> doomed;  // name, trash path
  {
    std::lock_guard lock{mutex_};
    std::vector<std::string> names;
    for (const auto& [name, v] : volumes_)
      if (!in_use_locked(name) && matches(filters, v, false)) names.push_back(name);
    for (const auto& name : names) {
      auto path = take_out_locked(name);
      if (!path) {
        spdlog::warn("volume prune: {}", path.error().describe());
        continue;
      }
      doomed.emplace_back(name, path.value());
    }
  }
  PruneResult result;
  for (const auto& [name, path] : doomed) {
    auto size = fs::tree_size(fs::join(path, kData));
    if (size) result.reclaimed += size.value();
    if (auto removed = fs::remove_tree(path); !removed)
      spdlog::warn("volume prune: {}", removed.error().describe());
    result.removed.push_back(name);
  }
  return result;
}

Status Store::acquire(const std::string& name, const std::string& container_id) {
  std::lock_guard lock{mutex_};
  if (!volumes_.count(name)) return no_such_volume(name);
  users_[name].insert(container_id);
  return ok();
}

void Store::release(const std::string& name, const std::string& container_id) {
  std::lock_guard lock{mutex_};
  auto it = users_.find(name);
  if (it == users_.end()) return;
  it->second.erase(container_id);
  if (it->second.empty()) users_.erase(it);
}

void Store::release_all(const std::string& container_id) {
  std::lock_guard lock{mutex_};
  for (auto it = users_.begin(); it != users_.end();) {
    it->second.erase(container_id);
    it = it->second.empty() ? users_.erase(it) : std::next(it);
  }
}

std::vector<std::string> Store::users(const std::string& name) const {
  std::lock_guard lock{mutex_};
  auto it = users_.find(name);
  if (it == users_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

Status Store::mount_if_needed(const std::string& name) {
  std::lock_guard lock{mutex_};
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return no_such_volume(name);
  auto plan = plan_local_mount(it->second.options);
  if (!plan) return ok();
  ASUP_TRY(bool mounted, is_mount_root(it->second.mountpoint));
  if (mounted) return ok();
  auto done = perform_mount(*plan, it->second.mountpoint);
  if (!done) return fail(done.error().wrap("mount volume " + name));
  return ok();
}

Status Store::unmount(const std::string& name) {
  std::lock_guard lock{mutex_};
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return no_such_volume(name);
  return unmount_locked(it->second);
}

Status Store::unmount_locked(const Volume& v) {
  if (!plan_local_mount(v.options)) return ok();
  ASUP_TRY(bool mounted, is_mount_root(v.mountpoint));
  if (!mounted) return ok();
  if (::umount2(v.mountpoint.c_str(), UMOUNT_NOFOLLOW) != 0)
    return fail_errno("unmount volume " + v.name + " from " + v.mountpoint);
  return ok();
}

}  // namespace asup::volume
