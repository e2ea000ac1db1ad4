#include "harness.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

extern char** environ;

namespace asup::it {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string join_args(const std::vector<std::string>& argv) {
  std::string out;
  for (auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool quote = a.empty() || a.find_first_of(" \t\n'\"$") != std::string::npos;
    out += quote ? "'" + a + "'" : a;
  }
  return out;
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Children start with default signal dispositions and an empty mask, whatever this
// process has: an inherited SIG_IGN for SIGPIPE would change how workloads behave.
struct SpawnAttr {
  posix_spawnattr_t attr;
  SpawnAttr() {
    posix_spawnattr_init(&attr);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  }
  ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
};

std::vector<char*> c_argv(std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (auto& a : argv) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

// Writes to a pipe whose reader has gone must give EPIPE here, not kill the test run.
const bool g_sigpipe_ignored = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

std::vector<Daemon*>& live_daemons() {
  static std::vector<Daemon*> list;
  return list;
}

std::string unescape_mountinfo(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "10.1.2.0/24" -> {address, prefix} in host byte order; prefix -1 when unparsable.
std::pair<std::uint32_t, int> parse_cidr(const std::string& cidr) {
  auto slash = cidr.find('/');
  in_addr addr{};
  if (::inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &addr) != 1) return {0, -1};
  int prefix = slash == std::string::npos ? 32 : std::atoi(cidr.c_str() + slash + 1);
  return {ntohl(addr.s_addr), prefix};
}

std::string format_ipv4(std::uint32_t host_order) {
  in_addr addr{htonl(host_order)};
  char text[INET_ADDRSTRLEN];
  return ::inet_ntop(AF_INET, &addr, text, sizeof text) ? text : "";
}

// Whether a route of the host's main table (other than the default route) overlaps `net`.
struct Route {
  std::uint32_t dest, mask;
};

// The host's IPv4 routes but the default one, read once per call of unique_subnet.
std::vector<Route> host_routes() {
  std::vector<Route> routes;
  for (auto& line : lines(read_text("/proc/net/route"))) {
    std::istringstream in(line);
    std::string iface, dest, gateway, flags, refcnt, use, metric, route_mask;
    if (!(in >> iface >> dest >> gateway >> flags >> refcnt >> use >> metric >> route_mask) ||
        iface == "Iface")
      continue;
    // The kernel prints the network-order word as a hex number of this host's order.
    auto d = ntohl(static_cast<std::uint32_t>(std::strtoul(dest.c_str(), nullptr, 16)));
    auto m = ntohl(static_cast<std::uint32_t>(std::strtoul(route_mask.c_str(), nullptr, 16)));
    if (m != 0) routes.push_back({d, m});
  }
  return routes;
}

bool overlaps(const std::vector<Route>& routes, std::uint32_t net, std::uint32_t mask) {
  for (auto& r : routes)
    if ((r.dest & r.mask & mask) == (net & r.mask & mask)) return true;
  return false;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Result& r) {
  os << "$ " << r.command << "\n  exit: " << r.code << (r.timed_out ? " (timed out)" : "")
     << " after " << r.seconds << " s\n  stdout: "
     << (r.out.size() > 2000
             ? r.out.substr(0, 2000) + "...[" + std::to_string(r.out.size()) + " bytes]"
             : r.out)
     << "\n  stderr: " << (r.err.size() > 2000 ? r.err.substr(0, 2000) + "..." : r.err);
  return os;
}

// ---- Process ------------------------------------------------------------------------------

Process::Process(std::vector<std::string> argv, std::string stdin_data, bool keep_stdin_open)
    : command_(join_args(argv)),
      pending_in_(std::move(stdin_data)),
      close_in_when_done_(!keep_stdin_open),
      start_(Clock::now()) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    exited_ = true;
    code_ = 127;
    err_ = std::string("pipe2: ") + std::strerror(errno);
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  SpawnAttr attr;
  auto args = c_argv(argv);
  int rc = ::posix_spawn(&pid_, argv[0].c_str(), &actions, &attr.attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  in_ = in[1];
  out_fd_ = out[0];
  err_fd_ = err[0];
  if (rc != 0) {
    pid_ = -1;
    exited_ = true;
    code_ = 127;
    err_ = "posix_spawn " + argv[0] + ": " + std::strerror(rc);
    close_fd(in_);
    close_fd(out_fd_);
    close_fd(err_fd_);
    return;
  }
  set_nonblocking(in_);
  set_nonblocking(out_fd_);
  set_nonblocking(err_fd_);
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pending_in_.empty() && close_in_when_done_) close_fd(in_);
}

Process::Process(Process&& o) noexcept
    : command_(std::move(o.command_)),
      pid_(o.pid_),
      pidfd_(o.pidfd_),
      in_(o.in_),
      out_fd_(o.out_fd_),
      err_fd_(o.err_fd_),
      pending_in_(std::move(o.pending_in_)),
      close_in_when_done_(o.close_in_when_done_),
      out_(std::move(o.out_)),
      err_(std::move(o.err_)),
      exited_(o.exited_),
      code_(o.code_),
      start_(o.start_),
      seconds_(o.seconds_) {
  o.pid_ = -1;
  o.pidfd_ = o.in_ = o.out_fd_ = o.err_fd_ = -1;
  o.exited_ = true;
}

Process::~Process() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  close_fd(pidfd_);
  close_fd(in_);
  close_fd(out_fd_);
  close_fd(err_fd_);
}

void Process::drain(int& fd, std::string& into) {
  if (fd < 0) return;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) close_fd(fd);  // EOF
    return;                    // EAGAIN: nothing more for now
  }
}

void Process::check_exit() {
  if (exited_ || pid_ <= 0) return;
  int status;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exited_ = true;
    code_ = exit_code_of(status);
    seconds_ = seconds_since(start_);
    close_fd(pidfd_);
  }
}

void Process::write_stdin(const std::string& data) {
  pending_in_ += data;
  pump(0);
}

void Process::close_stdin() {
  close_in_when_done_ = true;
  if (pending_in_.empty()) close_fd(in_);
}

void Process::signal(int sig) {
  if (pid_ > 0 && !exited_) ::kill(pid_, sig);
}

void Process::pump(int timeout_ms) {
  std::vector<pollfd> fds;
  if (out_fd_ >= 0) fds.push_back({out_fd_, POLLIN, 0});
  if (err_fd_ >= 0) fds.push_back({err_fd_, POLLIN, 0});
  if (in_ >= 0 && !pending_in_.empty()) fds.push_back({in_, POLLOUT, 0});
  if (pidfd_ >= 0 && !exited_) fds.push_back({pidfd_, POLLIN, 0});
  if (!fds.empty()) ::poll(fds.data(), fds.size(), timeout_ms);
  drain(out_fd_, out_);
  drain(err_fd_, err_);
  while (in_ >= 0 && !pending_in_.empty()) {
    ssize_t n = ::write(in_, pending_in_.data(), pending_in_.size());
    if (n > 0) {
      pending_in_.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    pending_in_.clear();  // EPIPE: the reader is gone
    close_fd(in_);
  }
  if (in_ >= 0 && pending_in_.empty() && close_in_when_done_) close_fd(in_);
  check_exit();
  if (exited_) {
    // What the child wrote before it exited is in the pipes; a grandchild that still
    // holds them (an exec'd command's background job) is not waited for.
    drain(out_fd_, out_);
    drain(err_fd_, err_);
  }
}

bool Process::wait(double timeout_seconds) {
  auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  while (!exited_) {
    if (Clock::now() >= deadline) return false;
    pump(50);
  }
  return true;
}

bool Process::wait_for(const std::function<bool()>& pred, double timeout_seconds) {
  auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  for (;;) {
    if (pred()) return true;
    if (exited_ || Clock::now() >= deadline) return false;
    pump(50);
  }
}

Result Process::result() const {
  Result r;
  r.command = command_;
  r.out = out_;
  r.err = err_;
  r.code = exited_ ? code_ : -1;
  r.timed_out = !exited_;
  r.seconds = exited_ ? seconds_ : seconds_since(start_);
  return r;
}

// ---- helpers ------------------------------------------------------------------------------

bool all_exited(std::vector<Process>& processes) {
  for (auto& p : processes) p.pump(0);
  return std::all_of(processes.begin(), processes.end(), [](auto& p) { return p.exited(); });
}

std::vector<std::string> detached_ids(const std::vector<Process>& launches) {
  std::vector<std::string> ids;
  for (auto& p : launches) {
    auto r = p.result();
    INFO(r);
    CHECK(r.code == 0);
    CHECK(is_hex_id(trim(r.out)));
    if (is_hex_id(trim(r.out))) ids.push_back(trim(r.out));
  }
  return ids;
}

bool eventually(const std::function<bool()>& pred, double timeout_seconds) {
  auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  for (;;) {
    if (pred()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_hex_id(const std::string& s, std::size_t length) {
  return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0) return errno == EPERM;
  // A zombie is dead for our purposes: it runs nothing and holds no resources but its pid.
  std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  auto paren = stat.rfind(')');
  if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z') return false;
  return true;
}

std::string seq_text(int first, int last) {
  std::string out;
  for (int i = first; i <= last; ++i) out += std::to_string(i) + "\n";
  return out;
}

bool is_directory(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> mounts_matching(const std::string& mountinfo_path,
                                         const std::function<bool(const std::string&)>& pred) {
  std::vector<std::string> out;
  for (auto& line : lines(read_text(mountinfo_path))) {
    std::istringstream in(line);
    std::string id, parent, dev, root, point;
    in >> id >> parent >> dev >> root >> point;
    point = unescape_mountinfo(point);
    if (pred(point)) out.push_back(point);
  }
  return out;
}

std::string bin_path(const std::string& name) {
  return std::string(ASUP_BIN_DIR) + "/" + name;
}

std::string busybox_tar() {
  return ASUP_BUSYBOX_TAR;
}

std::string unique_bridge_name() {
  static std::atomic<unsigned> serial{0};
  char name[16];
  // pid_max is at most 2^22: six hex digits hold any pid.
  std::snprintf(name, sizeof name, "asupt%06x%04x", static_cast<unsigned>(::getpid()) & 0xffffff,
                serial++ & 0xffff);
  return name;
}

std::string unique_subnet() {
  // Private blocks, tried in turn: a host whose own networks cover one of them (a VPN, a
  // Docker or Kubernetes install) still leaves the tests the others. Each process starts at
  // a /24 chosen by its pid, so test runs side by side start apart; `serial` keeps the
  // daemons and networks of one process apart, and the routes of every bridge already up
  // (this process's or another's) are skipped.
  struct Block {
    std::uint32_t base;
    unsigned prefix;
  };
  static constexpr Block kBlocks[] = {{(10u << 24) | (128u << 16), 9},
                                      {(100u << 24) | (64u << 16), 10},
                                      {(172u << 24) | (24u << 16), 13},
                                      {(192u << 24) | (168u << 16), 16}};
  static std::atomic<unsigned> serial{0};
  const auto routes = host_routes();
  for (const auto& block : kBlocks) {
    const unsigned count = 1u << (24 - block.prefix);  // /24s in the block
    const unsigned start = static_cast<unsigned>(::getpid()) * 64 % count;
    for (unsigned tries = 0; tries < count; ++tries) {
      unsigned index = (start + serial++) % count;
      std::uint32_t net = block.base + (index << 8);
      if (!overlaps(routes, net, 0xffffff00)) return format_ipv4(net) + "/24";
    }
  }
  FAIL(
      "every /24 of 10.128.0.0/9, 100.64.0.0/10, 172.24.0.0/13 and 192.168.0.0/16 is routed "
      "on the host");
  return "";
}

std::string first_host(const std::string& cidr) {
  auto [addr, prefix] = parse_cidr(cidr);
  if (prefix < 0 || prefix > 30) return "";
  std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return format_ipv4((addr & mask) + 1);
}

bool in_subnet(const std::string& ip, const std::string& cidr) {
  auto [addr, host_prefix] = parse_cidr(ip + "/32");
  auto [net, prefix] = parse_cidr(cidr);
  if (host_prefix < 0 || prefix < 0 || prefix > 32) return false;
  std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (addr & mask) == (net & mask);
}

// ---- Daemon -------------------------------------------------------------------------------

Daemon::Daemon() : Daemon(Options{}) {}

Daemon::Daemon(Options options)
    : bridge_(options.bridge.empty() ? unique_bridge_name() : options.bridge),
      subnet_(options.subnet.empty() ? unique_subnet() : options.subnet),
      gateway_(first_host(subnet_)),
      daemon_args_(options.daemon_args) {
  static std::atomic<int> serial{0};
  char pattern[] = "/tmp/asup-it.XXXXXX";
  if (!::mkdtemp(pattern)) FAIL("mkdtemp: " << std::strerror(errno));
  dir_ = pattern;
  root_ = dir_ + "/root";
  run_root_ = dir_ + "/run";
  cgroup_parent_ = "asup-test-" + std::to_string(::getpid()) + "-" + std::to_string(serial++);
  live_daemons().push_back(this);
  try {
    start_daemon();
    if (options.load_busybox) {
      auto r = run({"load", "-i", busybox_tar()}, "", 120);
      INFO(r);
      REQUIRE(r.code == 0);
    }
  } catch (...) {
    teardown();  // the destructor does not run for a constructor that throws
    throw;
  }
}

Daemon::~Daemon() {
  teardown();
}

std::vector<std::string> Daemon::ctl_argv(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{bin_path("asupctl"), "--run-root", run_root_};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

Process Daemon::spawn(const std::vector<std::string>& args, const std::string& stdin_data,
                      bool keep_stdin_open) {
  return Process(ctl_argv(args), stdin_data, keep_stdin_open);
}

Result run_tool(const std::vector<std::string>& argv, double timeout_seconds,
                const std::string& stdin_data) {
  Process p(argv, stdin_data);
  if (!p.wait(timeout_seconds)) {
    Result r = p.result();
    p.signal(SIGKILL);
    p.wait(5);
    return r;
  }
  return p.result();
}

Result Daemon::try_run(const std::vector<std::string>& args, const std::string& stdin_data,
                       double timeout_seconds) {
  return run_tool(ctl_argv(args), timeout_seconds, stdin_data);
}

Result Daemon::run(const std::vector<std::string>& args, const std::string& stdin_data,
                   double timeout_seconds) {
  Result r = try_run(args, stdin_data, timeout_seconds);
  if (r.timed_out) FAIL("asupctl did not finish within " << timeout_seconds << " s\n" << r);
  return r;
}

std::string Daemon::run_detached(const std::vector<std::string>& args) {
  std::vector<std::string> full{"run", "-d"};
  full.insert(full.end(), args.begin(), args.end());
  auto r = run(full);
  INFO(r);
  REQUIRE(r.code == 0);
  std::string id = trim(r.out);
  REQUIRE(is_hex_id(id));
  return id;
}

std::size_t Daemon::container_count() {
  return lines(run({"ps", "-a", "-q"}).out).size();
}

void Daemon::check_run_refused(std::vector<std::string> args, const std::string& text) {
  args.insert(args.begin(), "run");
  const auto before = container_count();
  auto r = try_run(args);
  INFO(r);
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Catch::Contains(text));
  CHECK(lines(r.err).size() == 1);
  CHECK(container_count() == before);
}

nlohmann::json Daemon::inspect(const std::string& id) {
  auto r = run({"inspect", id});
  INFO(r);
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 1);
  return j[0];
}

std::string Daemon::status(const std::string& id) {
  auto r = try_run({"inspect", id}, "", 20);
  if (r.code != 0) return "";
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_array() || j.empty()) return "";
  try {
    return j[0].at("State").at("Status").get<std::string>();
  } catch (const std::exception&) {
    return "";
  }
}

bool Daemon::wait_status(const std::string& id, const std::string& s, double timeout_seconds) {
  return eventually([&] { return status(id) == s; }, timeout_seconds);
}

bool Daemon::wait_logs(const std::string& id, const std::string& needle, double timeout_seconds) {
  return eventually(
      [&] {
        auto r = try_run({"logs", id}, "", 20);
        return contains(r.out, needle) || contains(r.err, needle);
      },
      timeout_seconds);
}

std::string Daemon::cgroup_dir(const std::string& controller, const std::string& id) const {
  return "/sys/fs/cgroup/" + controller + "/" + cgroup_parent_ + "/" + id;
}

std::string Daemon::log_tail(std::size_t max_lines) const {
  auto all = lines(read_text(log_path()));
  std::size_t from = all.size() > max_lines ? all.size() - max_lines : 0;
  std::string out;
  for (std::size_t i = from; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

void Daemon::start_daemon() {
  if (pid_ > 0) return;
  // A FIFO left by a daemon killed with SIGKILL can still have a reader for a moment: the
  // dead daemon's io_uring holds its read end until the kernel tears the ring down
  // asynchronously. Readiness below must be the new daemon's FIFO, so the old one goes.
  ::unlink(fifo_path().c_str());
  int log = ::open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<std::string> argv{
      bin_path("asupd"), "--root",       root_,         "--run-root", run_root_,
      "--cgroup-parent", cgroup_parent_, "--log-level", "debug",      "--bridge",
      bridge_,           "--subnet",     subnet_};
  argv.insert(argv.end(), daemon_args_.begin(), daemon_args_.end());
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, devnull, 0);
  posix_spawn_file_actions_adddup2(&actions, log, 1);
  posix_spawn_file_actions_adddup2(&actions, log, 2);
  SpawnAttr attr;
  auto args = c_argv(argv);
  int rc = ::posix_spawn(&pid_, argv[0].c_str(), &actions, &attr.attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(log);
  ::close(devnull);
  if (rc != 0) {
    pid_ = -1;
    FAIL("posix_spawn " << argv[0] << ": " << std::strerror(rc));
  }
  // Ready when the control FIFO has a reader: opening it for writing then succeeds.
  auto deadline = Clock::now() + std::chrono::seconds(15);
  for (;;) {
    int fd = ::open(fifo_path().c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      ::close(fd);
      return;
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("asupd exited during start-up with code " << exit_code_of(status) << "\n" << log_tail());
    }
    if (Clock::now() >= deadline) {
      stop_daemon();
      FAIL("asupd did not create " << fifo_path() << " within 15 s\n" << log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Daemon::stop_daemon() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  int status;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) break;
    if (Clock::now() >= deadline) {
      std::cerr << "asupd " << pid_ << " ignored SIGTERM for 10 s: SIGKILL\n";
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

void Daemon::crash_daemon() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void Daemon::kill_leftover_containers() noexcept {
  std::error_code ec;
  std::vector<pid_t> killed;
  for (auto& entry : std::filesystem::directory_iterator(root_ + "/containers", ec)) {
    auto state =
        nlohmann::json::parse(read_text(entry.path().string() + "/state.json"), nullptr, false);
    if (!state.is_object()) continue;
    pid_t pid = state.value("pid", 0);
    if (pid <= 0 || !process_alive(pid)) continue;
    // The recorded start time tells our container from a process that reused the pid.
    unsigned long long recorded = state.value("pid_start_time", 0ULL);
    std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    auto paren = stat.rfind(')');
    if (recorded != 0 && paren != std::string::npos) {
      std::istringstream in(stat.substr(paren + 2));
      std::string field;
      unsigned long long start = 0;
      for (int i = 3; i <= 22 && in >> field; ++i)
        if (i == 22) start = std::strtoull(field.c_str(), nullptr, 10);
      if (start != recorded) continue;
    }
    std::cerr << "teardown: container process " << pid << " still alive: SIGKILL\n";
    ::kill(pid, SIGKILL);
    killed.push_back(pid);
  }
  eventually(
      [&] {
        return std::none_of(killed.begin(), killed.end(), [](pid_t p) { return process_alive(p); });
      },
      5);
}

void Daemon::remove_cgroups() noexcept {
  std::error_code ec;
  std::vector<std::string> parents;
  for (auto& entry : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
    std::string p = entry.path().string() + "/" + cgroup_parent_;
    struct stat st;
    if (::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) parents.push_back(p);
  }
  // Children first; rmdir of a cgroup is EBUSY until its last task is gone.
  std::function<bool(const std::string&)> remove = [&](const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (d) {
      std::vector<std::string> subdirs;
      while (auto* e = ::readdir(d)) {
        if (e->d_type == DT_DIR && std::strcmp(e->d_name, ".") != 0 &&
            std::strcmp(e->d_name, "..") != 0)
          subdirs.push_back(dir + "/" + e->d_name);
      }
      ::closedir(d);
      for (auto& s : subdirs) remove(s);
    }
    return ::rmdir(dir.c_str()) == 0 || errno == ENOENT;
  };
  eventually(
      [&] {
        bool all = true;
        for (auto& p : parents) all = remove(p) && all;
        return all;
      },
      5);
}

void Daemon::unmount_and_remove_dir() noexcept {
  if (dir_.empty()) return;
  auto under = [&](const std::string& p) { return p == dir_ || p.rfind(dir_ + "/", 0) == 0; };
  for (int round = 0; round < 5; ++round) {
    auto points = mounts_matching("/proc/self/mountinfo", under);
    if (points.empty()) break;
    std::sort(points.begin(), points.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (auto& p : points) {
      std::cerr << "teardown: " << p << " is still mounted: umount -l\n";
      ::umount2(p.c_str(), MNT_DETACH);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  if (ec) std::cerr << "teardown: rm -rf " << dir_ << ": " << ec.message() << "\n";
}

void Daemon::remove_networks() noexcept {
  try {
    auto ls = try_run({"network", "ls", "--format", "{{.Name}}"}, "", 20);
    std::vector<std::string> args{"network", "inspect"};
    for (auto& name : lines(ls.out))
      if (name != "bridge" && name != "host" && name != "none") args.push_back(name);
    if (ls.code != 0 || args.size() == 2) return;
    auto items = nlohmann::json::parse(try_run(args, "", 20).out, nullptr, false);
    if (items.is_array())
      for (auto& item : items)
        if (item.contains("Options") && item["Options"].is_object())
          network_bridges_.push_back(item["Options"].value("com.docker.network.bridge.name", ""));
    args[1] = "rm";
    try_run(args, "", 60);
  } catch (...) {
  }
}

// A bridge outlives asupd (as docker0 outlives dockerd), so its containers keep their
// network across a restart; the test's bridges and nft tables go here.
void Daemon::remove_host_links() noexcept {
  try {
    std::vector<std::string> links{bridge_};
    for (auto& b : network_bridges_)
      if (!b.empty()) links.push_back(b);
    std::error_code ec;
    for (auto& link : links)
      if (std::filesystem::exists("/sys/class/net/" + link, ec))
        run_tool({"/usr/sbin/ip", "link", "del", link}, 20);
    for (auto& line : lines(run_tool({"/usr/sbin/nft", "list", "tables"}, 20).out)) {
      std::istringstream in(line);
      std::string keyword, family, name;
      in >> keyword >> family >> name;
      if (keyword != "table") continue;
      if (std::any_of(links.begin(), links.end(),
                      [&](const std::string& link) { return contains(name, link); }))
        run_tool({"/usr/sbin/nft", "delete", "table", family, name}, 20);
    }
  } catch (...) {
  }
}

void Daemon::teardown() noexcept {
  try {
    if (pid_ > 0) {
      auto ids = try_run({"ps", "-aq"}, "", 20);
      auto list = lines(ids.out);
      if (ids.code == 0 && !list.empty()) {
        std::vector<std::string> args{"rm", "-f"};
        args.insert(args.end(), list.begin(), list.end());
        try_run(args, "", 60);
      }
      remove_networks();
    }
  } catch (...) {
  }
  stop_daemon();
  kill_leftover_containers();
  remove_host_links();
  remove_cgroups();
  unmount_and_remove_dir();
  auto& list = live_daemons();
  list.erase(std::remove(list.begin(), list.end(), this), list.end());
}

// On the first failed assertion of a test case, the daemons' own account of what happened.
struct DaemonLogOnFailure : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  bool printed = false;

  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    TestEventListenerBase::testCaseStarting(info);
    printed = false;
  }
  bool assertionEnded(const Catch::AssertionStats& stats) override {
    if (stats.assertionResult.isOk() || printed) return true;
    printed = true;
    for (auto* d : live_daemons())
      std::cerr << "---- tail of " << d->log_path() << " ----\n"
                << d->log_tail(60) << "---- end of asupd log ----\n";
    return true;
  }
};

}  // namespace asup::it

using asup::it::DaemonLogOnFailure;
CATCH_REGISTER_LISTENER(DaemonLogOnFailure)
