// Guards for the cgroup tests: everything a test creates goes away even when it fails.
#pragma once

#include <linux/magic.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cgroup/cgroup.hpp"
#include "cgroup/control_file.hpp"
#include "core/fs.hpp"

namespace asup::cgroup::test {

inline bool mounted_as(const std::string& path, long magic) {
  struct statfs st;
  return ::statfs(path.c_str(), &st) == 0 && static_cast<long>(st.f_type) == magic;
}

// A name no other test run uses, so runs side by side never share a parent group.
inline std::string unique_name(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(rng() % 1000000000);
}

// GCC warns about designated initializers that leave fields out; this spells the same.
inline Limits limits(std::optional<std::int64_t> memory_bytes, std::optional<double> cpus,
                     std::optional<std::int64_t> pids) {
  Limits l;
  l.memory_bytes = memory_bytes;
  l.cpus = cpus;
  l.pids = pids;
  return l;
}

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

inline std::string read_trimmed(const std::string& path) {
  auto text = fs::read_file(path);
  return text ? trim(text.value()) : "<unreadable " + path + ">";
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/asup-cgroup-test.XXXXXX";
    path_ = ::mkdtemp(tmpl) ? tmpl : "";
  }
  ~TempDir() {
    if (!path_.empty()) (void)fs::remove_tree(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return fs::join(path_, rel); }

 private:
  std::string path_;
};

// A child process of the test: SIGKILLed and reaped at scope exit unless already reaped.
class Child {
 public:
  explicit Child(pid_t pid = -1) : pid_(pid) {}
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  pid_t pid() const { return pid_; }
  void reset(pid_t pid) { pid_ = pid; }
  // Waits for the exit; returns the raw wait status.
  int wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }
  void forget() { pid_ = -1; }  // reaped elsewhere (waitid on a pidfd)
  // The raw wait status once the child exited, or nothing when it still runs after
  // `timeout`: a test that expects a death fails instead of hanging.
  std::optional<int> wait_for(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return status;
      }
      if (r < 0 && errno != EINTR) return std::nullopt;
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      struct timespec ts {
        0, 1000 * 1000
      };
      ::nanosleep(&ts, nullptr);
    }
  }

 private:
  pid_t pid_;
};

// Directories removed in reverse order of registration at scope exit. A real cgroup
// directory refuses rmdir (EBUSY) for a moment after its last process was killed, hence
// the retries.
class DirCleanup {
 public:
  DirCleanup() = default;
  ~DirCleanup() {
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
      for (int attempt = 0; attempt < 200; ++attempt) {
        if (::rmdir(it->c_str()) == 0 || errno == ENOENT) break;
        if (errno != EBUSY) break;
        struct timespec ts {
          0, 10 * 1000 * 1000
        };
        ::nanosleep(&ts, nullptr);
      }
    }
  }
  DirCleanup(const DirCleanup&) = delete;
  DirCleanup& operator=(const DirCleanup&) = delete;
  void add(std::string dir) { dirs_.push_back(std::move(dir)); }

 private:
  std::vector<std::string> dirs_;
};

// The host's cgroup2 tree: /sys/fs/cgroup on a pure v2 host, its "unified" limb on a
// hybrid one; empty without one.
inline std::string unified_root() {
  if (mounted_as("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC)) return "/sys/fs/cgroup";
  if (mounted_as("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC)) return "/sys/fs/cgroup/unified";
  return "";
}

// The v1 hierarchies the backend puts a container's group in (v1.cpp).
inline const std::vector<std::string>& v1_hierarchies() {
  static const std::vector<std::string> names{"memory", "cpu", "pids", "devices", "freezer"};
  return names;
}

// The directory the kernel resolves a hierarchy's name to ("cpu" may be a symlink to
// "cpu,cpuacct").
inline std::string v1_hierarchy_dir(const std::string& root, const std::string& name) {
  std::string dir = fs::join(root, name);
  char real[4096];
  return ::realpath(dir.c_str(), real) ? std::string(real) : dir;
}

// Registers PARENT, and PARENT/ID for each id, in every v1 hierarchy for removal, whatever
// happens.
inline void guard_v1_groups(DirCleanup& cleanup, const std::string& root, const std::string& parent,
                            const std::vector<std::string>& ids) {
  for (const auto& h : v1_hierarchies()) {
    std::string parent_dir = fs::join(v1_hierarchy_dir(root, h), parent);
    cleanup.add(parent_dir);
    for (const auto& id : ids) cleanup.add(fs::join(parent_dir, id));
  }
}

// Whether `procs_file` lists `pid`.
inline bool lists(const std::string& procs_file, pid_t pid) {
  auto pids = read_procs(procs_file);
  return pids && std::find(pids.value().begin(), pids.value().end(), pid) != pids.value().end();
}

// destroy(), retried while the kernel holds the group busy, as it may for a moment after
// its last process left.
inline Status destroy_when_empty(Group& group) {
  Status destroyed = group.destroy();
  for (int i = 0; i < 100 && !destroyed && destroyed.error().code == EBUSY; ++i) {
    struct timespec ts {
      0, 10 * 1000 * 1000
    };
    ::nanosleep(&ts, nullptr);
    destroyed = group.destroy();
  }
  return destroyed;
}

// Whether the child dies of SIGKILL within `timeout` (it is reaped either way it ends).
inline bool dies_of_sigkill(Child& child, std::chrono::milliseconds timeout) {
  auto status = child.wait_for(timeout);
  return status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
}

// Thaws the group at scope exit: a child still frozen would survive its guard's SIGKILL
// and hang the wait for it. Declared after the children, it runs before their guards.
class ThawAtExit {
 public:
  explicit ThawAtExit(Group& group) : group_(group) {}
  ~ThawAtExit() { (void)group_.thaw(); }
  ThawAtExit(const ThawAtExit&) = delete;
  ThawAtExit& operator=(const ThawAtExit&) = delete;

 private:
  Group& group_;
};

// Polls `condition` until it holds or `timeout` passed; answers whether it held.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    struct timespec ts {
      0, 1000 * 1000
    };
    ::nanosleep(&ts, nullptr);
  }
}

// Spins on this CPU for `d`: time in which a process that can run (the machine has a
// second CPU) visibly moves. Not a synchronisation: what the test checks afterwards holds
// whatever the other process did meanwhile, or fails.
inline void busy_wait(std::chrono::milliseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
  }
}

// A counter in memory shared with forked children: a child that counts shows whether it
// runs.
class SharedCounter {
 public:
  SharedCounter() {
    void* p = ::mmap(nullptr, sizeof(std::atomic<std::uint64_t>), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) value_ = new (p) std::atomic<std::uint64_t>(0);
  }
  ~SharedCounter() {
    if (value_) ::munmap(value_, sizeof(*value_));
  }
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;
  bool valid() const { return value_ != nullptr; }
  std::uint64_t get() const { return value_->load(); }
  void count_once() { value_->fetch_add(1, std::memory_order_relaxed); }
  // The child's body: counts until killed.
  [[noreturn]] void count_forever() {
    for (;;) value_->fetch_add(1, std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t>* value_ = nullptr;
};

// A forked child that waits until released through a pipe, then runs `body` and exits.
// Only async-signal-safe work happens before `body`.
template <class Body>
pid_t fork_gated(int& release_fd, Body body) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[1]);
    char c;
    while (::read(p[0], &c, 1) < 0 && errno == EINTR) {
    }
    body();
    ::_exit(0);
  }
  ::close(p[0]);
  if (pid < 0) {
    ::close(p[1]);
    return -1;
  }
  release_fd = p[1];
  return pid;
}

inline void release(int& fd) {
  if (fd < 0) return;
  char c = 'g';
  (void)!::write(fd, &c, 1);
  ::close(fd);
  fd = -1;
}

// Forks a child that counts into `counter` until killed, moves it into `group` and lets
// it go: its pid, or -1 (no child is left behind then).
inline pid_t start_counting_in(Group& group, SharedCounter& counter) {
  int gate = -1;
  pid_t pid = fork_gated(gate, [&] { counter.count_forever(); });
  if (pid <= 0) return -1;
  if (!group.add_process(pid)) {
    ::close(gate);
    Child outside{pid};  // killed and reaped on return
    return -1;
  }
  release(gate);
  return pid;
}

}  // namespace asup::cgroup::test
