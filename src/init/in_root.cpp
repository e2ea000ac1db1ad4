#include "init/in_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace asup::init {
namespace {

// Linux follows at most 40 symlinks in one lookup; the same bound stops a loop of
// dangling links that point at each other.
constexpr int kMaxLinks = 40;

struct Split {
  std::string parent;
  std::string name;
};

// "/a/b/c/" -> {"/a/b", "c"}; "/c" -> {"/", "c"}.
Split split_last(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  auto slash = path.rfind('/');
  Split s;
  s.name = path.substr(slash + 1);
  s.parent = slash == 0 ? "/" : path.substr(0, slash);
  return s;
}

Status check_existing(int fd, const std::string& path, const Node& node) {
  if (node.kind != NodeKind::Directory) return ok();
  struct stat st;
  if (::fstat(fd, &st) != 0) return fail_errno("stat " + path);
  if (!S_ISDIR(st.st_mode)) return fail(ENOTDIR, "mkdir " + path);
  return ok();
}

Status create_at(int parent, const std::string& name, const std::string& path, const Node& node) {
  int rc = 0;
  const char* op = "create";
  switch (node.kind) {
    case NodeKind::Directory:
      op = "mkdir";
      rc = ::mkdirat(parent, name.c_str(), node.mode);
      break;
    case NodeKind::File: {
      // O_NOFOLLOW | O_EXCL: the name was just seen missing; never write through a link.
      int fd = ::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        node.mode);
      rc = fd < 0 ? -1 : ::close(fd);
      break;
    }
    case NodeKind::Device:
      op = "mknod";
      rc = ::mknodat(parent, name.c_str(), node.mode, node.device);
      // A new node is root's; a copy of a host node (--device) takes that node's owner.
      if (rc == 0 && (node.uid != 0 || node.gid != 0)) {
        op = "chown";
        rc = ::fchownat(parent, name.c_str(), node.uid, node.gid, AT_SYMLINK_NOFOLLOW);
      }
      break;
    case NodeKind::Symlink:
      op = "symlink";
      rc = ::symlinkat(node.link_target.c_str(), parent, name.c_str());
      break;
  }
  // EEXIST: another entry appeared meanwhile (for instance a directory made by an earlier
  // operation's parent creation); keep it, as for any existing entry.
  if (rc != 0 && errno != EEXIST) return fail_errno(std::string{op} + " " + path);
  return ok();
}

Status create(int root, const std::string& path, const Node& node, int links_left) {
  if (path.empty() || path.front() != '/')
    return fail(EINVAL, "invalid container path \"" + path + "\" (must be absolute)");
  Split s = split_last(path);
  if (s.name.empty() || s.name == "." || s.name == "..") {
    // "/" or a path ending in dots names an existing directory or nothing creatable.
    auto fd = open_in_root(root, path, O_PATH);
    if (!fd) return fail(fd.error().code, "open " + path);
    return check_existing(fd.value().get(), path, node);
  }

  auto parent = open_in_root(root, s.parent, O_PATH | O_DIRECTORY);
  if (!parent && parent.error().code == ENOENT) {
    ASUP_TRY(create(root, s.parent, Node{}, links_left));
    parent = open_in_root(root, s.parent, O_PATH | O_DIRECTORY);
  }
  if (!parent) return fail(parent.error().code, "open " + s.parent);
  int pfd = parent.value().get();

  struct stat st;
  if (::fstatat(pfd, s.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno != ENOENT) return fail_errno("stat " + path);
    return create_at(pfd, s.name, path, node);
  }
  if (!S_ISLNK(st.st_mode) || node.kind == NodeKind::Symlink) {
    if (!S_ISLNK(st.st_mode) && node.kind == NodeKind::Directory && !S_ISDIR(st.st_mode))
      return fail(ENOTDIR, "mkdir " + path);
    return ok();
  }

  // A symlink: follow it inside the root.
  auto target = open_in_root(root, path, O_PATH);
  if (target) return check_existing(target.value().get(), path, node);
  if (target.error().code != ENOENT) return fail(target.error().code, "open " + path);
  if (links_left == 0) return fail(ELOOP, "open " + path);
  char link[PATH_MAX];
  ssize_t n = ::readlinkat(pfd, s.name.c_str(), link, sizeof link - 1);
  if (n < 0) return fail_errno("readlink " + path);
  link[n] = '\0';
  // Relative to the directory holding the link; "parent/../x" resolves physically in
  // openat2, exactly as the kernel follows the link itself.
  std::string next = link[0] == '/' ? std::string{link} : s.parent + "/" + link;
  return create(root, next, node, links_left - 1);
}

}  // namespace

Result<UniqueFd> open_in_root(int root, const std::string& path, int flags) {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    long fd = ::syscall(SYS_openat2, root, path.c_str(), &how, sizeof how);
    if (fd >= 0) return UniqueFd{static_cast<int>(fd)};
    // EAGAIN: a concurrent rename or mount raced the lookup (the kernel asks to retry).
    if (errno == EAGAIN || errno == EINTR) continue;
    return fail_errno("open " + path);
  }
}

Status create_in_root(int root, const std::string& path, const Node& node) {
  return create(root, path, node, kMaxLinks);
}

std::string fd_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace asup::init
