#include "image/layer_writer.hpp"

#include "core/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>

#include "image/archive_handle.hpp"

namespace asup::image {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";
constexpr std::string_view kOpaqueWhiteout = ".wh..wh..opq";
constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";
constexpr const char* kUserOpaqueXattr = "user.overlay.opaque";

bool running_as_root() {
  static const bool root = ::geteuid() == 0;
  return root;
}

// "a/./b//c/" -> {a, b, c}; refuses absolute paths and "..".
Result<std::vector<std::string>> split_path(std::string_view name) {
  if (name.empty()) return fail("empty path");
  if (name.front() == '/') return fail("absolute path");
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    size_t slash = name.find('/', start);
    std::string_view c =
        name.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (c == "..") return fail("path escapes the layer directory");
    if (!c.empty() && c != ".") out.emplace_back(c);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

std::string join_path(const std::vector<std::string>& comps, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i) out += '/';
    out += comps[i];
  }
  return out;
}

std::string child_path(const std::string& parent, const std::string& leaf) {
  return parent.empty() ? leaf : parent + "/" + leaf;
}

// The path of `leaf` in the directory `dirfd` as the kernel sees it. The magic link pins
// the directory, so the name is looked up in exactly that directory and not followed by
// the l*xattr calls it is used for.
std::string proc_path(int dirfd, const std::string& leaf) {
  return "/proc/self/fd/" + std::to_string(dirfd) + "/" + leaf;
}

// xattrs a layer must not set: overlayfs interprets its own (redirects, metacopy, opaque)
// and they may only come from the whiteout conversion.
bool forbidden_xattr(std::string_view name) {
  return name.substr(0, 16) == "trusted.overlay." || name.substr(0, 13) == "user.overlay.";
}

// A filesystem without xattr support, or an unprivileged extraction that may not set a
// namespace, loses the attribute rather than the whole image (what Docker does rootless).
bool ignorable_xattr_error(int err) {
  return err == ENOTSUP || (err == EPERM && !running_as_root());
}

template <class SetFn>
Status set_xattrs(archive_entry* e, const std::string& shown, SetFn set) {
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  archive_entry_xattr_reset(e);
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    if (!name || forbidden_xattr(name)) continue;
    if (set(name, value, size) != 0 && !ignorable_xattr_error(errno))
      return fail_errno("setxattr " + std::string{name} + " on " + shown);
  }
  return ok();
}

void entry_times(archive_entry* e, struct timespec ts[2]) {
  ts[1] = archive_entry_mtime_is_set(e)
              ? timespec{archive_entry_mtime(e), archive_entry_mtime_nsec(e)}
              : timespec{0, UTIME_OMIT};
  ts[0] = archive_entry_atime_is_set(e)
              ? timespec{archive_entry_atime(e), archive_entry_atime_nsec(e)}
              : ts[1];
}

mode_t entry_permissions(archive_entry* e) {
  return archive_entry_perm(e) & 07777;
}

// Ownership needs CAP_CHOWN; an unprivileged extraction keeps its own uid, as tar does.
Status chown_fd(int fd, archive_entry* e, const std::string& shown) {
  if (!running_as_root()) return ok();
  if (::fchown(fd, static_cast<uid_t>(archive_entry_uid(e)),
               static_cast<gid_t>(archive_entry_gid(e))) != 0)
    return fail_errno("chown " + shown);
  return ok();
}

Status chown_at(int parent, const std::string& leaf, archive_entry* e, const std::string& shown) {
  if (!running_as_root()) return ok();
  if (::fchownat(parent, leaf.c_str(), static_cast<uid_t>(archive_entry_uid(e)),
                 static_cast<gid_t>(archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) != 0)
    return fail_errno("chown " + shown);
  return ok();
}

Status write_all_at(int fd, const char* data, size_t size, off_t offset, const std::string& shown) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("write " + shown);
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
  return ok();
}

// Opens the directory `name` in `dir` without following a symlink. A missing one is
// created (0755, whatever the umask) when `create`.
Result<UniqueFd> open_child_dir(int dir, const std::string& name, bool create,
                                const std::string& shown) {
  constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd fd{::openat(dir, name.c_str(), kFlags)};
  if (fd) return fd;
  int err = errno;
  if (err == ENOENT && create) {
    if (::mkdirat(dir, name.c_str(), 0700) != 0) return fail_errno("mkdir " + shown);
    fd.reset(::openat(dir, name.c_str(), kFlags));
    if (!fd) return fail_errno("open " + shown);
    if (::fchmod(fd.get(), 0755) != 0) return fail_errno("chmod " + shown);
    return fd;
  }
  if (err == ENOTDIR || err == ELOOP) {
    struct stat st;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return fail_errno("stat " + shown);
    if (S_ISLNK(st.st_mode)) return fail("refusing to write through the symlink " + shown);
    // A whiteout of this same layer: its own entries below that name win over it.
    if (create && S_ISCHR(st.st_mode) && st.st_rdev == ::makedev(0, 0)) {
      if (::unlinkat(dir, name.c_str(), 0) != 0) return fail_errno("unlink " + shown);
      return open_child_dir(dir, name, create, shown);
    }
    return fail(ENOTDIR, "open " + shown);
  }
  return fail(err, "open " + shown);
}

}  // namespace

Result<LayerWriter> LayerWriter::open(const std::string& dir) {
  UniqueFd fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
  if (!fd) return fail_errno("open " + dir);
  // A staging directory starts 0700 (mkdtemp); the root of a container must not.
  if (::fchmod(fd.get(), 0755) != 0) return fail_errno("chmod " + dir);
  return LayerWriter{std::move(fd)};
}

Status LayerWriter::write(archive* a, archive_entry* e) {
  if (auto r = write_entry(a, e); !r)
    return fail(r.error().wrap("entry \"" + entry_name(e) + "\""));
  return ok();
}

Status LayerWriter::write_entry(archive* a, archive_entry* e) {
  const char* raw_name = archive_entry_pathname(e);
  if (!raw_name) return fail("unreadable path name");
  ASUP_TRY(auto comps, split_path(raw_name));
  const char* link = archive_entry_hardlink(e);
  mode_t type = archive_entry_filetype(e);

  if (comps.empty()) {
    if (link || type != AE_IFDIR) return fail("the layer root must be a directory");
    ASUP_TRY(chown_fd(root_.get(), e, "/"));
    ASUP_TRY(set_xattrs(e, "/", [&](const char* n, const void* v, size_t s) {
      return ::fsetxattr(root_.get(), n, v, s, 0);
    }));
    DirMeta meta{entry_permissions(e), {}};
    entry_times(e, meta.times);
    dirs_[""] = meta;
    return ok();
  }

  std::string leaf = std::move(comps.back());
  comps.pop_back();
  if (leaf.compare(0, kWhiteoutPrefix.size(), kWhiteoutPrefix) == 0)
    return write_whiteout(comps, leaf);

  std::string shown = child_path(join_path(comps, comps.size()), leaf);
  ASUP_TRY(int parent, resolve_dir(comps, true));
  if (link) return write_hardlink(link, parent, leaf, shown);
  switch (type) {
    case AE_IFREG:
      return write_file(a, e, parent, leaf, shown);
    case AE_IFDIR:
      return write_directory(e, parent, leaf, shown);
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(e);
      if (!target) return fail("symlink without a target");
      ASUP_TRY(create_replacing(parent, leaf, shown, "symlink " + shown,
                                [&] { return ::symlinkat(target, parent, leaf.c_str()); }));
      ASUP_TRY(chown_at(parent, leaf, e, shown));
      ASUP_TRY(set_xattrs(e, shown, [&](const char* n, const void* v, size_t s) {
        return ::lsetxattr(proc_path(parent, leaf).c_str(), n, v, s, 0);
      }));
      struct timespec ts[2];
      entry_times(e, ts);
      if (::utimensat(parent, leaf.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
        return fail_errno("set times of " + shown);
      return ok();
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
      return write_special(e, parent, leaf, shown);
    case AE_IFSOCK:
      return ok();  // a socket is meaningless without its listener; tar skips them too
    default:
      return fail("unsupported entry type");
  }
}

Status LayerWriter::write_whiteout(const std::vector<std::string>& parent_comps,
                                   const std::string& leaf) {
  std::string dir_shown = join_path(parent_comps, parent_comps.size());
  if (leaf == kOpaqueWhiteout) {
    ASUP_TRY(int dir, resolve_dir(parent_comps, true));
    const char* xattr = kOpaqueXattr;
    int r = ::fsetxattr(dir, xattr, "y", 1, 0);
    // trusted.* needs CAP_SYS_ADMIN; unprivileged overlayfs (mounted with "userxattr")
    // reads the same marker from the user namespace.
    if (r != 0 && errno == EPERM && !running_as_root()) {
      xattr = kUserOpaqueXattr;
      r = ::fsetxattr(dir, xattr, "y", 1, 0);
    }
    if (r != 0)
      return fail_errno(std::string{"setxattr "} + xattr + " on " +
                        (dir_shown.empty() ? "/" : dir_shown));
    return ok();
  }
  // Other ".wh..wh." names are aufs bookkeeping (its hard-link directory): no meaning here.
  if (leaf.compare(0, kWhiteoutMetaPrefix.size(), kWhiteoutMetaPrefix) == 0) return ok();

  std::string hidden = leaf.substr(kWhiteoutPrefix.size());
  if (hidden.empty() || hidden == "." || hidden == "..") return fail("invalid whiteout");
  ASUP_TRY(int parent, resolve_dir(parent_comps, true));
  std::string shown = child_path(dir_shown, hidden);
  struct stat st;
  // A whiteout hides lower layers only: an entry of this layer with that name stays.
  if (::fstatat(parent, hidden.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return ok();
  if (::mknodat(parent, hidden.c_str(), S_IFCHR, ::makedev(0, 0)) != 0)
    return fail_errno("create whiteout " + shown);
  return ok();
}

Status LayerWriter::write_file(archive* a, archive_entry* e, int parent, const std::string& leaf,
                               const std::string& shown) {
  UniqueFd fd;
  ASUP_TRY(create_replacing(parent, leaf, shown, "create " + shown, [&] {
    fd.reset(
        ::openat(parent, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    return fd.get();
  }));
  std::int64_t end = 0;
  for (;;) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(a, &block, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return fail("read " + shown + ": " + archive_message(a));
    ASUP_TRY(write_all_at(fd.get(), static_cast<const char*>(block), size, offset, shown));
    end = std::max<std::int64_t>(end, offset + static_cast<std::int64_t>(size));
  }
  // Sparse files may end in a hole that no data block covers.
  if (archive_entry_size_is_set(e) && end < archive_entry_size(e) &&
      ::ftruncate(fd.get(), archive_entry_size(e)) != 0)
    return fail_errno("truncate " + shown);
  // chown before chmod: chown clears the setuid and setgid bits.
  ASUP_TRY(chown_fd(fd.get(), e, shown));
  if (::fchmod(fd.get(), entry_permissions(e)) != 0) return fail_errno("chmod " + shown);
  ASUP_TRY(set_xattrs(e, shown, [&](const char* n, const void* v, size_t s) {
    return ::fsetxattr(fd.get(), n, v, s, 0);
  }));
  struct timespec ts[2];
  entry_times(e, ts);
  if (::futimens(fd.get(), ts) != 0) return fail_errno("set times of " + shown);
  bytes_ += archive_entry_size(e);
  return ok();
}

Status LayerWriter::write_directory(archive_entry* e, int parent, const std::string& leaf,
                                    const std::string& shown) {
  // Owner-only until finish(), so children can be created even in a read-only directory.
  if (::mkdirat(parent, leaf.c_str(), 0700) != 0) {
    if (errno != EEXIST) return fail_errno("mkdir " + shown);
    ASUP_TRY(bool existed, clear_slot(parent, leaf, true, shown));
    if (!existed && ::mkdirat(parent, leaf.c_str(), 0700) != 0) return fail_errno("mkdir " + shown);
  }
  UniqueFd dir{::openat(parent, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
  if (!dir) return fail_errno("open " + shown);
  ASUP_TRY(chown_fd(dir.get(), e, shown));
  ASUP_TRY(set_xattrs(e, shown, [&](const char* n, const void* v, size_t s) {
    return ::fsetxattr(dir.get(), n, v, s, 0);
  }));
  DirMeta meta{entry_permissions(e), {}};
  entry_times(e, meta.times);
  dirs_[shown] = meta;
  return ok();
}

Status LayerWriter::write_hardlink(const char* target, int parent, const std::string& leaf,
                                   const std::string& shown) {
  auto target_comps = split_path(target);
  if (!target_comps)
    return fail(target_comps.error().wrap("hard link target \"" + std::string{target} + "\""));
  auto comps = std::move(target_comps).value();
  if (comps.empty()) return fail("hard link to the layer root");
  std::string target_leaf = std::move(comps.back());
  comps.pop_back();
  std::string target_shown = child_path(join_path(comps, comps.size()), target_leaf);
  if (target_shown == shown) return ok();
  auto target_dir = open_dir(comps);
  if (!target_dir)
    return fail(target_dir.error().wrap("hard link target \"" + std::string{target} + "\""));
  // No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink, never what it points to.
  return create_replacing(parent, leaf, shown, "link " + shown + " to " + target_shown, [&] {
    return ::linkat(target_dir.value().get(), target_leaf.c_str(), parent, leaf.c_str(), 0);
  });
}

Status LayerWriter::write_special(archive_entry* e, int parent, const std::string& leaf,
                                  const std::string& shown) {
  mode_t type = archive_entry_filetype(e);
  dev_t dev = type == AE_IFIFO ? 0 : archive_entry_rdev(e);
  auto made = create_replacing(parent, leaf, shown, "mknod " + shown, [&] {
    return ::mknodat(parent, leaf.c_str(), type | entry_permissions(e), dev);
  });
  if (!made) {
    // Without CAP_MKNOD device nodes cannot exist; rootless engines skip them too.
    if (made.error().code == EPERM && !running_as_root()) return ok();
    return made;
  }
  ASUP_TRY(chown_at(parent, leaf, e, shown));
  // mknod applied the umask; the node was just made by us, so this chmod cannot be
  // redirected by a symlink.
  if (::fchmodat(parent, leaf.c_str(), entry_permissions(e), 0) != 0)
    return fail_errno("chmod " + shown);
  ASUP_TRY(set_xattrs(e, shown, [&](const char* n, const void* v, size_t s) {
    return ::lsetxattr(proc_path(parent, leaf).c_str(), n, v, s, 0);
  }));
  struct timespec ts[2];
  entry_times(e, ts);
  if (::utimensat(parent, leaf.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
    return fail_errno("set times of " + shown);
  return ok();
}

Result<int> LayerWriter::resolve_dir(const std::vector<std::string>& comps, bool create) {
  size_t keep = 0;
  while (keep < comps.size() && keep < cached_names_.size() && cached_names_[keep] == comps[keep])
    ++keep;
  cached_names_.resize(keep);
  cached_fds_.resize(keep);
  for (size_t i = keep; i < comps.size(); ++i) {
    int dir = i == 0 ? root_.get() : cached_fds_[i - 1].get();
    ASUP_TRY(UniqueFd fd, open_child_dir(dir, comps[i], create, join_path(comps, i + 1)));
    cached_names_.push_back(comps[i]);
    cached_fds_.push_back(std::move(fd));
  }
  return comps.empty() ? root_.get() : cached_fds_.back().get();
}

Result<UniqueFd> LayerWriter::open_dir(const std::vector<std::string>& comps) const {
  UniqueFd cur{::openat(root_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (!cur) return fail_errno("open /");
  for (size_t i = 0; i < comps.size(); ++i) {
    ASUP_TRY(UniqueFd next, open_child_dir(cur.get(), comps[i], false, join_path(comps, i + 1)));
    cur = std::move(next);
  }
  return cur;
}

Status LayerWriter::create_replacing(int parent, const std::string& leaf, const std::string& shown,
                                     const std::string& operation,
                                     const std::function<int()>& make) {
  // Names are usually new: try first, clear the place only when something is there.
  if (make() >= 0) return ok();
  if (errno != EEXIST) return fail_errno(operation);
  ASUP_TRY(clear_slot(parent, leaf, false, shown));
  if (make() >= 0) return ok();
  return fail_errno(operation);
}

Result<bool> LayerWriter::clear_slot(int parent, const std::string& leaf, bool keep_directory,
                                     const std::string& shown) {
  struct stat st;
  if (::fstatat(parent, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return false;
    return fail_errno("stat " + shown);
  }
  if (S_ISDIR(st.st_mode)) {
    if (keep_directory) return true;
    // The cache holds only the parent's ancestors, never anything inside this directory.
    ASUP_TRY(fs::remove_tree_at(parent, leaf, shown));
    dirs_.erase(shown);
    return false;
  }
  if (::unlinkat(parent, leaf.c_str(), 0) != 0) return fail_errno("unlink " + shown);
  return false;
}

Status LayerWriter::finish() {
  cached_names_.clear();
  cached_fds_.clear();
  std::vector<std::pair<std::vector<std::string>, const DirMeta*>> order;
  for (const auto& [path, meta] : dirs_) {
    ASUP_TRY(auto comps, split_path(path.empty() ? "." : path));
    order.emplace_back(std::move(comps), &meta);
  }
  // Deepest first: a parent that becomes read-only must not stop us reaching its children.
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [comps, meta] : order) {
    std::string shown = comps.empty() ? "/" : join_path(comps, comps.size());
    UniqueFd dir;
    if (comps.empty()) {
      dir.reset(::openat(root_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    } else {
      std::vector<std::string> parent_comps(comps.begin(), comps.end() - 1);
      auto parent = open_dir(parent_comps);
      // A later entry replaced a parent with something else: nothing left to fix up.
      if (!parent) continue;
      dir.reset(::openat(parent.value().get(), comps.back().c_str(),
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dir && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)) continue;
    }
    if (!dir) return fail_errno("open " + shown);
    if (::fchmod(dir.get(), meta->mode) != 0) return fail_errno("chmod " + shown);
    if (::futimens(dir.get(), meta->times) != 0) return fail_errno("set times of " + shown);
  }
  dirs_.clear();
  return ok();
}

}  // namespace asup::image
