// Writes the entries of one layer tar beneath a directory, confined to it.
//
// libarchive's own disk writer checks paths relative to the process cwd and calls umask(),
// neither of which is safe in a multi-threaded daemon (and hard-link targets have slipped
// its checks before, libarchive #746). So every path is resolved here one component at a
// time from an fd of the layer directory with O_NOFOLLOW: ".." and absolute names are
// refused, and a path that passes through a symlink (even one the same layer just made) is
// refused instead of followed. Nothing is ever opened, chmod'ed or chown'ed through a path
// a later entry could have turned into a symlink.
//
// OCI whiteouts become overlayfs ones: ".wh.NAME" is a 0/0 character device NAME, and
// ".wh..wh..opq" marks its directory opaque with trusted.overlay.opaque=y.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::image {

class LayerWriter {
 public:
  // `dir` must exist; it becomes the layer's root (mode 0755 unless the tar says otherwise).
  static Result<LayerWriter> open(const std::string& dir);

  // Writes the entry `e`; `a` is positioned at its data. Errors name the entry.
  Status write(archive* a, archive_entry* e);
  // Applies the modes and times of directories, which creating their children would
  // otherwise disturb (and a read-only directory would forbid).
  Status finish();
  // Bytes of regular-file content written so far.
  std::int64_t bytes() const { return bytes_; }

 private:
  struct DirMeta {
    mode_t mode;
    struct timespec times[2];
  };

  explicit LayerWriter(UniqueFd root) : root_(std::move(root)) {}
  Status write_entry(archive* a, archive_entry* e);
  Status write_whiteout(const std::vector<std::string>& parent, const std::string& leaf);
  Status write_file(archive* a, archive_entry* e, int parent, const std::string& leaf,
                    const std::string& shown);
  Status write_directory(archive_entry* e, int parent, const std::string& leaf,
                         const std::string& shown);
  Status write_hardlink(const char* target, int parent, const std::string& leaf,
                        const std::string& shown);
  Status write_special(archive_entry* e, int parent, const std::string& leaf,
                       const std::string& shown);

  // The directory `comps[0..n)` below the root, created (0755) when missing and `create`.
  // The fd is owned by a cache of the last path resolved and is valid until the next call.
  Result<int> resolve_dir(const std::vector<std::string>& comps, bool create);
  // Same, without the cache: for a second directory needed at the same time.
  Result<UniqueFd> open_dir(const std::vector<std::string>& comps) const;
  // Clears the place for a new entry `leaf` in `parent`. An existing directory is kept
  // when `keep_directory` (returns true); anything else there is removed.
  Result<bool> clear_slot(int parent, const std::string& leaf, bool keep_directory,
                          const std::string& shown);
  // Runs `make` (a *at call creating `leaf`, returning < 0 with errno on failure); when
  // the name is taken, clears it and runs `make` once more.
  Status create_replacing(int parent, const std::string& leaf, const std::string& shown,
                          const std::string& operation, const std::function<int()>& make);

  UniqueFd root_;
  std::vector<std::string> cached_names_;
  std::vector<UniqueFd> cached_fds_;
  std::map<std::string, DirMeta> dirs_;  // by path below the root ("" is the root)
  std::int64_t bytes_ = 0;
};

}  // namespace asup::image
