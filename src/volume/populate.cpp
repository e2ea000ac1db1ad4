#include "volume/populate.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <utility>

#include "asup/unique_fd.hpp"
#include "volume/paths.hpp"

namespace asup::volume {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
// As the kernel's own limit on symlinks followed in one lookup (MAXSYMLINKS).
constexpr int kMaxSymlinks = 40;

// One directory of the image as overlayfs shows it: the same directory in each layer
// that contributes to it, top-most first. Without `layered` it is one plain directory.
struct Sources {
  std::vector<UniqueFd> dirs;
  bool layered = false;
};

bool is_whiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == ::makedev(0, 0);
}

bool is_opaque(int dirfd) {
  char value[2] = {};
  for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
    if (::fgetxattr(dirfd, name, value, sizeof value) == 1 && value[0] == 'y') return true;
  }
  return false;
}

// The entry `name` of the directory as merged: which layer's entry shows, if any.
struct Shown {
  size_t layer = 0;
  struct stat st;
};

std::optional<Shown> shown_entry(const Sources& src, const std::string& name) {
  for (size_t i = 0; i < src.dirs.size(); ++i) {
    struct stat st;
    if (::fstatat(src.dirs[i].get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (src.layered && is_whiteout(st)) return std::nullopt;
      return Shown{i, st};
    }
    if (src.layered && is_opaque(src.dirs[i].get())) break;
  }
  return std::nullopt;
}

// The merged directory `name` whose top-most entry is in layer `from`: that directory and
// those below it, down to a layer where the name is not a directory (or an opaque one,
// which the merge of its entries honours).
Result<Sources> child_sources(const Sources& src, size_t from, const std::string& name) {
  Sources child;
  child.layered = src.layered;
  for (size_t i = from; i < src.dirs.size(); ++i) {
    struct stat st;
    if (::fstatat(src.dirs[i].get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (src.layered && is_opaque(src.dirs[i].get())) break;
      continue;
    }
    if (!S_ISDIR(st.st_mode)) break;
    int fd = ::openat(src.dirs[i].get(), name.c_str(), kDirFlags);
    if (fd < 0) return fail_errno("open " + name + " in the image");
    child.dirs.emplace_back(fd);
    if (!src.layered) break;
  }
  return child;
}

// The names the merged directory shows, each with the layer it comes from.
Result<std::map<std::string, Shown>> merged_entries(const Sources& src) {
  std::map<std::string, std::optional<Shown>> seen;  // nullopt: whited out
  for (size_t i = 0; i < src.dirs.size(); ++i) {
    int fd = ::openat(src.dirs[i].get(), ".", kDirFlags);
    if (fd < 0) return fail_errno("open an image directory");
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
      ::close(fd);
      return fail_errno("read an image directory");
    }
    while (auto* ent = ::readdir(dir)) {
      std::string name = ent->d_name;
      if (name == "." || name == ".." || seen.count(name)) continue;
      struct stat st;
      if (::fstatat(src.dirs[i].get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (src.layered && is_whiteout(st)) {
        seen[name] = std::nullopt;
      } else {
        seen[name] = Shown{i, st};
      }
    }
    ::closedir(dir);
    if (src.layered && is_opaque(src.dirs[i].get())) break;
  }
  std::map<std::string, Shown> out;
  for (auto& [name, shown] : seen)
    if (shown) out.emplace(name, *shown);
  return out;
}

// Gives `fd` (or `name` in `dirfd` for a symlink) the owner, mode and times of `st`.
// Without root the owner stays ours, as an unprivileged copy can only do.
Status apply_metadata(int dirfd, const std::string& name, const struct stat& st,
                      const std::string& shown) {
  if (::fchownat(dirfd, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0 &&
      !(errno == EPERM && ::geteuid() != 0))
    return fail_errno("chown " + shown);
  // After the chown, which clears setuid and setgid bits.
  if (!S_ISLNK(st.st_mode) && ::fchmodat(dirfd, name.c_str(), st.st_mode & 07777, 0) != 0)
    return fail_errno("chmod " + shown);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(dirfd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
    return fail_errno("set the times of " + shown);
  return ok();
}

Status copy_bytes(int from, int to, const std::string& shown) {
  for (;;) {
    ssize_t n = ::copy_file_range(from, nullptr, to, nullptr, 1 << 30, 0);
    if (n == 0) return ok();
    if (n > 0) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
      return fail_errno("copy " + shown);
    break;  // across file systems on old kernels: plain reads and writes
  }
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read " + shown);
    if (n == 0) return ok();
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(to, buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return fail_errno("write " + shown);
      done += w;
    }
  }
}

class Copier {
 public:
  explicit Copier(int dest_root) : dest_root_(dest_root) {}
  Status copy_dir(const Sources& src, int dest, const std::string& rel);

 private:
  Status copy_entry(const Sources& src, const std::string& name, const Shown& entry, int dest,
                    const std::string& rel);
  Status copy_file(int from_dir, const std::string& name, const struct stat& st, int dest,
                   const std::string& rel);

  int dest_root_;
  // Hard links: the first copy of each (device, inode) the image links more than once.
  std::map<std::pair<dev_t, ino_t>, std::string> linked_;
};

Status Copier::copy_dir(const Sources& src, int dest, const std::string& rel) {
  ASUP_TRY(auto entries, merged_entries(src));
  for (const auto& [name, entry] : entries) {
    std::string child_rel = rel.empty() ? name : rel + "/" + name;
    ASUP_TRY(copy_entry(src, name, entry, dest, child_rel));
  }
  return ok();
}

Status Copier::copy_entry(const Sources& src, const std::string& name, const Shown& entry, int dest,
                          const std::string& rel) {
  const struct stat& st = entry.st;
  int from = src.dirs[entry.layer].get();
  if (S_ISDIR(st.st_mode)) {
    if (::mkdirat(dest, name.c_str(), 0700) != 0) return fail_errno("mkdir " + rel);
    ASUP_TRY(auto child, child_sources(src, entry.layer, name));
    UniqueFd child_dest{::openat(dest, name.c_str(), kDirFlags)};
    if (!child_dest) return fail_errno("open " + rel);
    ASUP_TRY(copy_dir(child, child_dest.get(), rel));
    // Last, so the directory's mode and mtime are the image's, not what filling it left.
    return apply_metadata(dest, name, st, rel);
  }
  if (S_ISREG(st.st_mode)) return copy_file(from, name, st, dest, rel);
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlinkat(from, name.c_str(), target.data(), target.size());
    if (n < 0) return fail_errno("readlink " + rel);
    target.resize(static_cast<size_t>(n));
    if (::symlinkat(target.c_str(), dest, name.c_str()) != 0) return fail_errno("symlink " + rel);
    return apply_metadata(dest, name, st, rel);
  }
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
    if (::mknodat(dest, name.c_str(), st.st_mode & S_IFMT, st.st_rdev) != 0) {
      // Without CAP_MKNOD a device node cannot be made: skipped, as rootless Docker does.
      if (errno == EPERM && !S_ISFIFO(st.st_mode)) return ok();
      return fail_errno("mknod " + rel);
    }
    return apply_metadata(dest, name, st, rel);
  }
  return ok();  // a socket means nothing without the process that listened on it
}

Status Copier::copy_file(int from_dir, const std::string& name, const struct stat& st, int dest,
                         const std::string& rel) {
  const auto key = std::make_pair(st.st_dev, st.st_ino);
  if (st.st_nlink > 1) {
    if (auto it = linked_.find(key); it != linked_.end()) {
      if (::linkat(dest_root_, it->second.c_str(), dest, name.c_str(), 0) != 0)
        return fail_errno("link " + rel + " to " + it->second);
      return ok();
    }
    linked_[key] = rel;
  }
  UniqueFd in{::openat(from_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
  if (!in) return fail_errno("open " + rel + " in the image");
  UniqueFd out{
      ::openat(dest, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
  if (!out) return fail_errno("create " + rel);
  ASUP_TRY(copy_bytes(in.get(), out.get(), rel));
  return apply_metadata(dest, name, st, rel);
}

// The merged directory at `path` in the image, following symlinks inside it; nullopt
// when the path does not exist there or is not a directory.
Result<std::optional<Sources>> lookup(const std::vector<std::string>& layers,
                                      const std::string& path, int links_left) {
  Sources cur;
  cur.layered = true;
  for (const auto& layer : layers) {
    int fd = ::open(layer.c_str(), kDirFlags);
    if (fd < 0) return fail_errno("open layer " + layer);
    cur.dirs.emplace_back(fd);
  }
  std::string clean = clean_path("/" + path);
  std::string walked;  // the resolved part, no symlinks in it
  for (size_t start = 1; start < clean.size();) {
    size_t slash = clean.find('/', start);
    if (slash == std::string::npos) slash = clean.size();
    std::string name = clean.substr(start, slash - start);
    std::string rest = clean.substr(slash);
    start = slash + 1;
    auto entry = shown_entry(cur, name);
    if (!entry) return std::optional<Sources>{};
    if (S_ISLNK(entry->st.st_mode)) {
      if (links_left == 0) return fail(ELOOP, "resolve " + path + " in the image");
      char target[4096];
      ssize_t n =
          ::readlinkat(cur.dirs[entry->layer].get(), name.c_str(), target, sizeof target - 1);
      if (n < 0) return fail_errno("readlink " + walked + "/" + name + " in the image");
      std::string t{target, static_cast<size_t>(n)};
      // An absolute target is relative to the image's root: clean_path never climbs above.
      std::string next = (t.front() == '/' ? t : walked + "/" + t) + rest;
      return lookup(layers, next, links_left - 1);
    }
    if (!S_ISDIR(entry->st.st_mode)) return std::optional<Sources>{};
    ASUP_TRY(cur, child_sources(cur, entry->layer, name));
    walked += "/" + name;
  }
  return std::optional<Sources>{std::move(cur)};
}

Result<bool> is_empty_dir(int fd, const std::string& shown) {
  int dup = ::openat(fd, ".", kDirFlags);
  if (dup < 0) return fail_errno("open " + shown);
  DIR* dir = ::fdopendir(dup);
  if (!dir) {
    ::close(dup);
    return fail_errno("read " + shown);
  }
  bool empty = true;
  while (auto* ent = ::readdir(dir)) {
    std::string n = ent->d_name;
    if (n != "." && n != "..") {
      empty = false;
      break;
    }
  }
  ::closedir(dir);
  return empty;
}

// Copies the merged directory `src` into the volume, if the volume is empty.
Status fill(const Sources& src, const std::string& volume_data) {
  UniqueFd dest{::open(volume_data.c_str(), kDirFlags)};
  if (!dest) return fail_errno("open volume " + volume_data);
  ASUP_TRY(bool empty, is_empty_dir(dest.get(), volume_data));
  if (!empty) return ok();
  Copier copier{dest.get()};
  if (auto copied = copier.copy_dir(src, dest.get(), ""); !copied)
    return fail(copied.error().wrap("copy the image's content into " + volume_data));
  // The volume's root as the image's directory (Docker's copyOwnership).
  struct stat st;
  if (::fstat(src.dirs.front().get(), &st) != 0) return fail_errno("stat the image directory");
  return apply_metadata(dest.get(), ".", st, volume_data);
}

}  // namespace

Status populate_from(const std::string& image_dir, const std::string& volume_data) {
  Sources src;
  int fd = ::open(image_dir.c_str(), kDirFlags);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return ok();
    return fail_errno("open " + image_dir);
  }
  src.dirs.emplace_back(fd);
  return fill(src, volume_data);
}

Status populate_from_layers(const std::vector<std::string>& lower_dirs, const std::string& path,
                            const std::string& volume_data) {
  if (lower_dirs.empty()) return ok();
  ASUP_TRY(auto src, lookup(lower_dirs, path, kMaxSymlinks));
  if (!src || src->dirs.empty()) return ok();
  return fill(*src, volume_data);
}

}  // namespace asup::volume
