// Real containers for the [root] tests: a busybox rootfs in a temp dir, asup-init started
// through the spawner, and helpers to drive and observe it.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "asup/unique_fd.hpp"
#include "launch/launch_spec.hpp"
#include "launch/mount_plan.hpp"
#include "launch/spawner.hpp"
#include "skip.hpp"

namespace asup::launch::testing {

bool running_as_root();
std::string init_path();

// /tmp/asup-launch-XXXXXX with lower/ (a busybox rootfs), upper/, work/, merged/, state/.
// The destructor removes it; mounts_under() lets a test check nothing stayed mounted.
class TempRoot {
 public:
  TempRoot();
  ~TempRoot();
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;

  const std::string& dir() const { return dir_; }
  std::string path(const std::string& rel) const { return dir_ + "/" + rel; }
  RootfsLayout layout() const;
  // A container spec: the plan from layout() (plus `extra` volumes/tmpfs), hostname "box1".
  LaunchSpec spec(std::vector<std::string> argv) const;
  LaunchSpec spec(std::vector<std::string> argv, const RootfsLayout& layout) const;

 private:
  std::string dir_;
};

// Mount points (from /proc/self/mountinfo) at or below `dir`.
std::vector<std::string> mounts_under(const std::string& dir);

inline constexpr std::uint64_t kContainerNamespaces =
    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;

struct SpawnOptions {
  std::uint64_t namespaces = kContainerNamespaces;
  int ns_pidfd = -1;
  int state_dir_fd = -2;     // -2: the TempRoot's state dir; -1: none
  bool hold_output = false;  // pass the read ends as kStdoutHold/kStderrHold
  // Put the stdout pipe on the lowest free descriptor below fds::kFirstFree, a number the
  // child must overwrite with something else, to prove the spawner moves without clobbering.
  bool stdout_on_low_fd = false;
  // The pidfd of a process standing in for asupd (FakeDaemon): init keeps the output in
  // the state dir's spool while it is dead. Needs hold_output.
  int daemon_pidfd = -1;
};

// A process standing in for asupd, whose death asup-init notices through its pidfd. Make it
// before the Container: a fork holds whatever descriptors exist at that moment.
class FakeDaemon {
 public:
  FakeDaemon();
  ~FakeDaemon();
  FakeDaemon(const FakeDaemon&) = delete;
  FakeDaemon& operator=(const FakeDaemon&) = delete;
  int pidfd() const { return pidfd_.get(); }
  // SIGKILL, and returns once it is reaped (its pidfd is readable).
  void kill();

 private:
  pid_t pid_ = -1;
  UniqueFd pidfd_;
};

// One running asup-init; kills and reaps it on destruction if a test bailed out early.
class Container {
 public:
  Container(const TempRoot* root, const LaunchSpec& spec, const SpawnOptions& options = {});
  ~Container();
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;

  // Next report line ("" on EOF); fails the test after a timeout.
  std::string next_report();
  // Waits for "ready", releases the barrier, waits for "started N" (or the error line).
  std::string start();
  void abort_barrier();
  // Releases the barrier without waiting for "ready" first.
  void release_barrier();
  // Closes the read end of the report pipe, as a dead asupd does.
  void drop_report();
  // Reads stdout until `line` appeared in it.
  void wait_for_output(const std::string& line);
  // Reads both pipes to EOF, then reaps init; returns its exit code (128+N for signal N).
  int wait();
  // Reaps init without reading the pipes (init may be their reader); its exit code.
  int wait_exit();
  // Bytes waiting in the stdout and stderr pipes.
  std::size_t unread() const;
  void signal(int sig);

  pid_t pid() const { return spawned_.pid; }
  int pidfd() const { return spawned_.pidfd.get(); }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  std::optional<std::string> exit_json() const;

 private:
  bool pump(int timeout_ms);

  const TempRoot* root_;
  Spawned spawned_;
  UniqueFd out_read_, err_read_;
  std::string out_, err_, report_buf_;
  bool reaped_ = false;
};

// Runs a container to completion: the exit code, output and report lines.
struct RunResult {
  int exit_code = -1;
  std::string started;  // the "started N" or "error ..." line
  std::string out, err;
  std::optional<std::string> exit_json;
};
RunResult run(const TempRoot& root, const LaunchSpec& spec);

std::vector<std::string> lines(const std::string& text);

}  // namespace asup::launch::testing

#define ASUP_REQUIRE_ROOT()                            \
  do {                                                 \
    if (!::asup::launch::testing::running_as_root()) { \
      ASUP_SKIP("real containers need root");          \
    }                                                  \
  } while (0)
