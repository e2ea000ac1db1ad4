// The volume store under ROOT/volumes, laid out as Docker's local driver keeps it:
//   NAME/_data        the content a container mounts (a mount point for tmpfs and bind
//                     options while in use)
//   NAME/volume.json  name, driver, labels, options, created time, anonymous
//   .trash/           volumes on their way out (emptied again at open)
//   .lock             flock'ed while a Store has the root open: one owner at a time
// Which containers use a volume is not on disk: the engine acquires a volume for each
// container that mounts it as it loads its containers, as Docker counts references from
// its containers' mount points. The store is safe to use from several threads; remove
// and prune delete trees without holding the lock, so they block only their caller
// (asupd runs them on its worker pool).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"
#include "volume/filters.hpp"
#include "volume/local_options.hpp"
#include "volume/volume.hpp"

namespace asup::volume {

using Labels = std::map<std::string, std::string>;

// What `volume prune` did: the names it removed and the bytes their content took.
struct PruneResult {
  std::vector<std::string> removed;
  std::int64_t reclaimed = 0;
};

class Store {
 public:
  // Opens ROOT/volumes (made when missing) and loads every volume in it.
  static Result<std::unique_ptr<Store>> open(const std::string& root);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // `volume create`: an empty `name` makes an anonymous volume (64 hex digits, labelled
  // kAnonymousLabel). A name that exists is returned as it is, whatever the labels and
  // options, as Docker does. Errors are Docker's, prefixed "create NAME: ".
  Result<Volume> create(const std::string& name, const Labels& labels, const Options& options);
  // "get NAME: no such volume" when there is none.
  Result<Volume> get(const std::string& name) const;
  // Every volume, by name.
  std::vector<Volume> list() const;
  // Those that pass `filters` (parse_filters with FilterScope::list).
  std::vector<Volume> list(const Filters& filters) const;
  // `volume rm [-f]`: refused while a container uses it ("remove NAME: volume is in use -
  // [ID]"), -f or not; -f only makes a missing volume no error. Unmounts it first.
  Status remove(const std::string& name, bool force);
  // `volume prune`: removes the unused volumes that pass `filters` (parse_filters with
  // FilterScope::prune), measuring what each held.
  Result<PruneResult> prune(const Filters& filters);

  // A container starts to use / stops using a volume (on create and on rm of the
  // container, not on start and stop: a stopped container still holds its volumes).
  Status acquire(const std::string& name, const std::string& container_id);
  void release(const std::string& name, const std::string& container_id);
  // The container's every volume: what `rm` of a container calls.
  void release_all(const std::string& container_id);
  // The containers using `name`, sorted.
  std::vector<std::string> users(const std::string& name) const;

  // For a volume created with a type option: mounts its device on _data unless it is
  // mounted already (also by an earlier asupd); nothing for a plain volume. Root only.
  Status mount_if_needed(const std::string& name);
  // Unmounts _data when mounted (a tmpfs volume's content goes with it, as in Docker).
  Status unmount(const std::string& name);

  // ROOT/volumes/NAME/_data
  std::string data_path(const std::string& name) const;

 private:
  Store(std::string root, UniqueFd lock);
  Status load();
  Volume make_volume(const std::string& name) const;
  bool in_use_locked(const std::string& name) const;
  // mutex_ held: takes the volume out of the index and moves its directory into .trash;
  // returns the path to delete.
  Result<std::string> take_out_locked(const std::string& name);
  Status unmount_locked(const Volume& v);

  std::string root_;  // ROOT/volumes
  UniqueFd lock_;
  mutable std::mutex mutex_;
  std::map<std::string, Volume> volumes_;
  std::map<std::string, std::set<std::string>> users_;  // volume -> container ids
  std::uint64_t removals_ = 0;
};

}  // namespace asup::volume
