#include "core/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <random>

namespace asup::fs {
namespace {

std::string temp_name(const std::string& base) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".tmp.%016llx", static_cast<unsigned long long>(rng()));
  return base + suffix;
}

Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("write " + path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return ok();
}

}  // namespace

Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode, bool sync) {
  std::string tmp = temp_name(path);
  UniqueFd fd{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)};
  if (!fd) return fail_errno("create " + tmp);
  if (auto r = write_all(fd.get(), data, tmp); !r) {
    ::unlink(tmp.c_str());
    return r;
  }
  if (sync && ::fsync(fd.get()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return fail(e, "fsync " + tmp);
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return fail(e, "rename " + tmp + " to " + path);
  }
  return ok();
}

Status write_file_atomic_at(int dirfd, const std::string& name, std::string_view data,
                            mode_t mode) {
  std::string tmp = temp_name(name);
  UniqueFd fd{::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)};
  if (!fd) return fail_errno("create " + tmp);
  if (auto r = write_all(fd.get(), data, tmp); !r) {
    ::unlinkat(dirfd, tmp.c_str(), 0);
    return r;
  }
  fd.reset();
  if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) {
    int e = errno;
    ::unlinkat(dirfd, tmp.c_str(), 0);
    return fail(e, "rename " + tmp + " to " + name);
  }
  return ok();
}

Result<std::string> read_file(const std::string& path) {
  UniqueFd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd) return fail_errno("open " + path);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status write_file(const std::string& path, std::string_view data, mode_t mode) {
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)};
  if (!fd) return fail_errno("open " + path);
  return write_all(fd.get(), data, path);
}

Status make_dirs(const std::string& path, mode_t mode) {
  if (path.empty()) return ok();
  // Usually only the last component is missing: one mkdir instead of one per component.
  if (::mkdir(path.c_str(), mode) == 0) return ok();
  if (errno == EEXIST) {
    if (!is_directory(path)) return fail(ENOTDIR, "mkdir " + path);
    return ok();
  }
  if (errno != ENOENT) return fail_errno("mkdir " + path);
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    partial = path.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), mode) != 0 && errno != EEXIST)
      return fail_errno("mkdir " + partial);
  }
  if (!is_directory(path)) return fail(ENOTDIR, "mkdir " + path);
  return ok();
}

namespace {

Status remove_at(int parent, const char* name, dev_t dev, const std::string& shown) {
  struct stat st;
  if (::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return ok();
    return fail_errno("stat " + shown);
  }
  if (S_ISDIR(st.st_mode)) {
    if (st.st_dev != dev) return fail(EBUSY, "remove " + shown + " (a mount point)");
    int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fail_errno("open " + shown);
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
      ::close(fd);
      return fail_errno("opendir " + shown);
    }
    std::vector<std::string> names;
    while (auto* ent = ::readdir(dir)) {
      std::string n = ent->d_name;
      if (n != "." && n != "..") names.push_back(std::move(n));
    }
    Status result = ok();
    for (auto& n : names) {
      auto r = remove_at(::dirfd(dir), n.c_str(), dev, shown + "/" + n);
      if (!r && result) result = r;
    }
    ::closedir(dir);
    if (!result) return result;
    if (::unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
      return fail_errno("rmdir " + shown);
    return ok();
  }
  if (::unlinkat(parent, name, 0) != 0 && errno != ENOENT) return fail_errno("unlink " + shown);
  return ok();
}

}  // namespace

Status remove_tree_at(int parent, const std::string& name, const std::string& shown) {
  struct stat st;
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return ok();
    return fail_errno("stat " + shown);
  }
  return remove_at(parent, name.c_str(), st.st_dev, shown);
}

Status remove_tree(const std::string& path) {
  return remove_tree_at(AT_FDCWD, path, path);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return fail_errno("opendir " + path);
  std::vector<std::string> names;
  while (auto* ent = ::readdir(dir)) {
    std::string n = ent->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(dir);
  return names;
}

Result<UniqueFd> open_fd(const std::string& path, int flags, mode_t mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return fail_errno("open " + path);
  return UniqueFd{fd};
}

std::string join(std::string_view a, std::string_view b) {
  std::string out{a};
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (out.empty() || out.back() != '/') out += '/';
  out += b;
  return out;
}

std::string absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) return path;
  return join(cwd, path);
}

int writev_all(int fd, struct iovec* iov, int count) {
  while (count > 0) {
    ssize_t n = ::writev(fd, iov, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    auto done = static_cast<std::size_t>(n);
    while (count > 0 && done >= iov->iov_len) {
      done -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + done;
      iov->iov_len -= done;
    }
  }
  return 0;
}

}  // namespace asup::fs
