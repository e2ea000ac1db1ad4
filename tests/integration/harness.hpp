// Integration harness: an isolated asupd per test (own root, run root and cgroup parent in
// a private temp dir, own bridge and subnet), a way to run asupctl against it with stdout,
// stderr and the exit code captured separately, and a teardown that leaves nothing behind on
// the host: no container process, no cgroup, no mount, no temp dir, no bridge, no nft table.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace asup::it {

// What one command left behind.
struct Result {
  std::string command;  // for messages: the argv joined with spaces
  std::string out;
  std::string err;
  int code = -1;  // exit code, 128+N for a signal, -1 when it timed out
  bool timed_out = false;
  double seconds = 0;
};
std::ostream& operator<<(std::ostream& os, const Result& r);

// A child process with its stdio on pipes. Everything is non-blocking and driven by
// pump(), so many of them can run side by side in one thread.
class Process {
 public:
  // Starts argv[0] (a path) with `stdin_data` on its stdin; stdin is closed once the data
  // is written unless keep_stdin_open is set (close_stdin() closes it later).
  Process(std::vector<std::string> argv, std::string stdin_data = "", bool keep_stdin_open = false);
  ~Process();  // SIGKILLs and reaps a child still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&& other) noexcept;

  pid_t pid() const { return pid_; }
  bool exited() const { return exited_; }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  // Reads what is there, writes pending stdin, notes the exit; waits up to timeout_ms for
  // something to happen.
  void pump(int timeout_ms);
  void write_stdin(const std::string& data);
  void close_stdin();
  void signal(int sig);
  // Pumps until the process exited and its pipes are drained; false on timeout.
  bool wait(double timeout_seconds);
  // Pumps until pred() holds or the process exits; false on timeout or when the process
  // exited without pred() holding.
  bool wait_for(const std::function<bool()>& pred, double timeout_seconds);
  // The finished outcome (call after wait()).
  Result result() const;

 private:
  void drain(int& fd, std::string& into);
  void check_exit();

  std::string command_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int in_ = -1, out_fd_ = -1, err_fd_ = -1;
  std::string pending_in_;
  bool close_in_when_done_ = true;
  std::string out_, err_;
  bool exited_ = false;
  int code_ = -1;
  std::chrono::steady_clock::time_point start_;
  double seconds_ = 0;
};

// Pumps each of `processes` once; true when all of them have exited.
bool all_exited(std::vector<Process>& processes);
// The ids that finished `run -d` processes printed; checks that each one succeeded.
std::vector<std::string> detached_ids(const std::vector<Process>& launches);

// Runs argv (argv[0] a path) to completion with `stdin_data` on its stdin; a command still
// running after timeout_seconds is killed and the result says timed_out. Never fails the
// test by itself.
Result run_tool(const std::vector<std::string>& argv, double timeout_seconds = 60,
                const std::string& stdin_data = "");

// Polls `pred` every 20 ms for up to `timeout_seconds`.
bool eventually(const std::function<bool()>& pred, double timeout_seconds);

std::string trim(const std::string& s);
// What `seq FIRST LAST` prints.
std::string seq_text(int first, int last);
std::vector<std::string> lines(const std::string& s);
bool contains(const std::string& haystack, const std::string& needle);
std::string read_text(const std::string& path);  // "" when unreadable
bool is_hex_id(const std::string& s, std::size_t length = 64);
bool process_alive(pid_t pid);
bool is_directory(const std::string& path);
// Mount points (field 5 of a mountinfo file) for which pred holds.
std::vector<std::string> mounts_matching(const std::string& mountinfo_path,
                                         const std::function<bool(const std::string&)>& pred);

std::string bin_path(const std::string& name);  // ASUP_BIN_DIR/name
std::string busybox_tar();

// A bridge name (<= 15 bytes, IFNAMSIZ) no other daemon on this host has: "asupt", this
// process's pid and a counter, in fixed-width hex.
std::string unique_bridge_name();
// A /24 that no other daemon or network of this process uses and that no route of the host
// overlaps: from 10.128.0.0/9, or the next private block when the host routes all of it.
std::string unique_subnet();
// The first host of an IPv4 CIDR, Docker's default gateway: "10.1.2.0/24" -> "10.1.2.1".
std::string first_host(const std::string& cidr);
// Whether the IPv4 address `ip` lies in `cidr`.
bool in_subnet(const std::string& ip, const std::string& cidr);

class Daemon {
 public:
  struct Options {
    bool load_busybox = true;
    // The default bridge network (asupd --bridge/--subnet); unique ones when empty.
    std::string bridge{};
    std::string subnet{};
    // More asupd flags (--no-new-privileges ...), kept across restarts.
    std::vector<std::string> daemon_args{};
  };
  Daemon();
  explicit Daemon(Options options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // asupctl --run-root RUN_ROOT ARGS...; a timeout kills asupctl and fails the test.
  Result run(const std::vector<std::string>& args, const std::string& stdin_data = "",
             double timeout_seconds = 60);
  // Same, never fails the test (for teardown and for checks that expect trouble).
  Result try_run(const std::vector<std::string>& args, const std::string& stdin_data = "",
                 double timeout_seconds = 60);
  // asupctl as a background process, for followers, attached runs and parallel clients.
  Process spawn(const std::vector<std::string>& args, const std::string& stdin_data = "",
                bool keep_stdin_open = false);
  std::vector<std::string> ctl_argv(const std::vector<std::string>& args) const;

  // run -d ARGS...: requires success and returns the full id.
  std::string run_detached(const std::vector<std::string>& args);
  // ps -a -q: how many containers there are.
  std::size_t container_count();
  // `run ARGS` refused before anything was made: rc 125, one line naming `text` on
  // stderr, no container left.
  void check_run_refused(std::vector<std::string> args, const std::string& text);
  // inspect ID: requires success and returns the one object.
  nlohmann::json inspect(const std::string& id);
  std::string status(const std::string& id);  // .State.Status, "" when unknown
  // Waits until the container's status is `status` (bounded).
  bool wait_status(const std::string& id, const std::string& status, double timeout_seconds = 20);
  // Waits until `logs ID` contains `needle` on stdout or stderr (bounded).
  bool wait_logs(const std::string& id, const std::string& needle, double timeout_seconds = 20);

  // Graceful stop (SIGTERM, SIGKILL after 10 s) and a new daemon on the same directories.
  void stop_daemon();
  // SIGKILL, as if it crashed: no chance to save anything.
  void crash_daemon();
  void start_daemon();
  void restart() {
    stop_daemon();
    start_daemon();
  }
  pid_t daemon_pid() const { return pid_; }

  const std::string& dir() const { return dir_; }
  const std::string& root() const { return root_; }
  const std::string& run_root() const { return run_root_; }
  const std::string& cgroup_parent() const { return cgroup_parent_; }
  const std::string& bridge() const { return bridge_; }    // "asupt..."
  const std::string& subnet() const { return subnet_; }    // "10.X.Y.0/24"
  const std::string& gateway() const { return gateway_; }  // "10.X.Y.1"
  std::string fifo_path() const { return run_root_ + "/asupd.fifo"; }
  std::string container_dir(const std::string& id) const { return root_ + "/containers/" + id; }
  // /sys/fs/cgroup/CONTROLLER/PARENT/ID on this v1 host.
  std::string cgroup_dir(const std::string& controller, const std::string& id) const;
  std::string log_tail(std::size_t max_lines = 40) const;
  std::string log_path() const { return dir_ + "/asupd.log"; }

 private:
  void teardown() noexcept;
  void kill_leftover_containers() noexcept;
  void remove_cgroups() noexcept;
  void unmount_and_remove_dir() noexcept;
  void remove_networks() noexcept;
  void remove_host_links() noexcept;

  std::string dir_, root_, run_root_, cgroup_parent_;
  std::string bridge_, subnet_, gateway_;
  std::vector<std::string> daemon_args_;
  // Bridges of user networks, learnt before they are removed, in case asupd leaves one.
  std::vector<std::string> network_bridges_;
  pid_t pid_ = -1;
};

}  // namespace asup::it
