#include "container_fixture.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "core/fs.hpp"
#include "core/syscalls.hpp"

namespace asup::launch::testing {
namespace {

constexpr int kTimeoutMs = 20000;

const char* const kApplets[] = {"sh",    "echo",    "cat",   "id",   "hostname", "ls",
                                "sleep", "ps",      "touch", "pwd",  "kill",     "true",
                                "test",  "grep",    "mkdir", "stat", "unshare",  "mount",
                                "uname", "linux32", "seq",   "yes"};

void must(Status s) {
  if (!s) FAIL(s.error().describe());
}

UniqueFd pipe_end_pair(UniqueFd& write_end) {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  write_end.reset(p[1]);
  return UniqueFd{p[0]};
}

}  // namespace

bool running_as_root() {
  return ::geteuid() == 0;
}

std::string init_path() {
  return std::string{ASUP_BIN_DIR} + "/asup-init";
}

TempRoot::TempRoot() {
  char tmpl[] = "/tmp/asup-launch-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  dir_ = tmpl;
  for (const char* d : {"lower/bin", "lower/etc", "lower/tmp", "upper", "work", "merged", "state"})
    must(fs::make_dirs(path(d)));
  ::chmod(path("lower/tmp").c_str(), 01777);

  auto busybox = fs::read_file("/bin/busybox");
  REQUIRE(busybox);
  must(fs::write_file(path("lower/bin/busybox"), busybox.value(), 0755));
  ::chmod(path("lower/bin/busybox").c_str(), 0755);
  for (const char* applet : kApplets)
    REQUIRE(::symlink("busybox", path(std::string{"lower/bin/"} + applet).c_str()) == 0);

  must(fs::write_file(path("lower/etc/passwd"),
                      "root:x:0:0:root:/root:/bin/sh\n"
                      "app:x:1000:1000:app user:/home/app:/bin/sh\n"
                      "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"));
  must(fs::write_file(path("lower/etc/group"),
                      "root:x:0:\n"
                      "wheel:x:10:root\n"
                      "staff:x:50:app,other\n"
                      "app:x:1000:\n"
                      "nogroup:x:65534:\n"));
  // Not executable: exec must fail with 126.
  must(fs::write_file(path("lower/notexec"), "#!/bin/sh\necho should not run\n", 0644));
  ::chmod(path("lower/notexec").c_str(), 0644);
  // An image symlink that points at "/": must resolve to the container's root, never the host's.
  REQUIRE(::symlink("/", path("lower/evil").c_str()) == 0);
  must(fs::write_file(path("hostname"), "box1\n"));
}

TempRoot::~TempRoot() {
  // Nothing should be mounted here (the container's mounts die with its namespace); if a
  // test failed half-way, detach whatever is left so the tree can go.
  auto left = mounts_under(dir_);
  for (auto it = left.rbegin(); it != left.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
  (void)fs::remove_tree(dir_);
}

RootfsLayout TempRoot::layout() const {
  RootfsLayout l;
  l.lower_dirs = {path("lower")};
  l.upper_dir = path("upper");
  l.work_dir = path("work");
  l.merged_dir = path("merged");
  l.hostname_file = path("hostname");
  return l;
}

LaunchSpec TempRoot::spec(std::vector<std::string> argv) const {
  return spec(argv, layout());
}

LaunchSpec TempRoot::spec(std::vector<std::string> argv, const RootfsLayout& layout) const {
  LaunchSpec s;
  s.mode = Mode::Container;
  s.rootfs = layout.merged_dir;
  s.mounts = build_container_mounts(layout);
  s.hostname = "box1";
  s.argv = std::move(argv);
  s.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C"};
  return s;
}

std::vector<std::string> mounts_under(const std::string& dir) {
  std::vector<std::string> found;
  auto info = fs::read_file("/proc/self/mountinfo");
  if (!info) return found;
  std::istringstream in{info.value()};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields{line};
    std::string id, parent, dev, root, mount_point;
    fields >> id >> parent >> dev >> root >> mount_point;
    if (mount_point == dir || mount_point.rfind(dir + "/", 0) == 0) found.push_back(mount_point);
  }
  return found;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

Container::Container(const TempRoot* root, const LaunchSpec& spec, const SpawnOptions& options)
    : root_(root) {
  if (!fs::exists(init_path()))
    FAIL(init_path() << " is missing: build the asup-init target first");
  UniqueFd out_write, err_write;
  out_read_ = pipe_end_pair(out_write);
  err_read_ = pipe_end_pair(err_write);
  if (options.stdout_on_low_fd) {
    int low = ::fcntl(out_write.get(), F_DUPFD_CLOEXEC, fds::kStdout + 1);
    REQUIRE(low >= 0);
    if (low >= fds::kFirstFree) {
      ::close(low);
      WARN("no free descriptor below " << fds::kFirstFree << " in the test process");
    } else {
      out_write.reset(low);
    }
  }
  UniqueFd state;
  int state_fd = options.state_dir_fd;
  if (state_fd == -2) {
    state.reset(::open(root_->path("state").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(state.valid());
    state_fd = state.get();
  }

  SpawnRequest req;
  req.init_path = init_path();
  req.spec = spec;
  req.stdout_fd = out_write.get();
  req.stderr_fd = err_write.get();
  req.state_dir_fd = state_fd;
  if (options.hold_output) {
    req.stdout_hold_fd = out_read_.get();
    req.stderr_hold_fd = err_read_.get();
  }
  req.ns_pidfd = options.ns_pidfd;
  req.daemon_pidfd = options.daemon_pidfd;
  req.namespaces = options.namespaces;
  auto spawned = spawn(req);
  if (!spawned) FAIL("spawn: " << spawned.error().describe());
  spawned_ = std::move(spawned).value();
}

Container::~Container() {
  if (reaped_ || !spawned_.pidfd) return;
  (void)sys::pidfd_send_signal(spawned_.pidfd.get(), SIGKILL);
  siginfo_t info;
  ::waitid(P_PIDFD, static_cast<id_t>(spawned_.pidfd.get()), &info, WEXITED);
}

std::string Container::next_report() {
  for (int waited = 0;;) {
    auto nl = report_buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = report_buf_.substr(0, nl);
      report_buf_.erase(0, nl + 1);
      return line;
    }
    if (!spawned_.report) return "";
    struct pollfd p {
      spawned_.report.get(), POLLIN, 0
    };
    int n = ::poll(&p, 1, 100);
    if (n == 0) {
      waited += 100;
      if (waited >= kTimeoutMs) FAIL("timed out waiting for a report line");
      continue;
    }
    char buf[512];
    ssize_t got = ::read(spawned_.report.get(), buf, sizeof buf);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) {
      spawned_.report.reset();
      if (!report_buf_.empty()) {
        std::string rest = report_buf_;
        report_buf_.clear();
        return rest;
      }
      return "";
    }
    report_buf_.append(buf, static_cast<std::size_t>(got));
  }
}

std::string Container::start() {
  std::string line = next_report();
  if (line != "ready") return line;
  char go = 1;
  REQUIRE(::write(spawned_.barrier.get(), &go, 1) == 1);
  spawned_.barrier.reset();
  return next_report();
}

void Container::abort_barrier() {
  spawned_.barrier.reset();
}

void Container::release_barrier() {
  char go = 1;
  REQUIRE(::write(spawned_.barrier.get(), &go, 1) == 1);
  spawned_.barrier.reset();
}

void Container::drop_report() {
  spawned_.report.reset();
}

bool Container::pump(int timeout_ms) {
  struct pollfd p[2];
  int n = 0;
  if (out_read_) p[n++] = {out_read_.get(), POLLIN, 0};
  if (err_read_) p[n++] = {err_read_.get(), POLLIN, 0};
  if (n == 0) return true;
  if (::poll(p, static_cast<nfds_t>(n), timeout_ms) <= 0) return false;
  for (int i = 0; i < n; ++i) {
    if (!p[i].revents) continue;
    char buf[4096];
    ssize_t got = ::read(p[i].fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    bool is_out = out_read_ && p[i].fd == out_read_.get();
    if (got <= 0) {
      (is_out ? out_read_ : err_read_).reset();
      continue;
    }
    (is_out ? out_ : err_).append(buf, static_cast<std::size_t>(got));
  }
  return true;
}

void Container::wait_for_output(const std::string& line) {
  for (int waited = 0; out_.find(line) == std::string::npos;) {
    if (!out_read_) FAIL("stdout closed before \"" << line << "\" appeared; got: " << out_);
    if (!pump(100)) waited += 100;
    if (waited >= kTimeoutMs) FAIL("timed out waiting for \"" << line << "\" on stdout");
  }
}

FakeDaemon::FakeDaemon() {
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    for (;;) ::pause();
  }
  auto fd = sys::pidfd_open(pid_);
  REQUIRE(fd);
  pidfd_ = std::move(fd).value();
}

FakeDaemon::~FakeDaemon() {
  if (pid_ > 0) kill();
}

void FakeDaemon::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int Container::wait_exit() {
  struct pollfd p {
    spawned_.pidfd.get(), POLLIN, 0
  };
  REQUIRE(::poll(&p, 1, kTimeoutMs) == 1);
  siginfo_t info{};
  REQUIRE(::waitid(P_PIDFD, static_cast<id_t>(spawned_.pidfd.get()), &info, WEXITED) == 0);
  reaped_ = true;
  if (info.si_code == CLD_EXITED) return info.si_status;
  return 128 + info.si_status;
}

std::size_t Container::unread() const {
  std::size_t total = 0;
  for (const UniqueFd* fd : {&out_read_, &err_read_}) {
    int n = 0;
    if (*fd && ::ioctl(fd->get(), FIONREAD, &n) == 0) total += static_cast<std::size_t>(n);
  }
  return total;
}

int Container::wait() {
  for (int waited = 0; out_read_ || err_read_;) {
    if (!pump(100)) waited += 100;
    if (waited >= kTimeoutMs) FAIL("timed out waiting for the container's output to end");
  }
  struct pollfd p {
    spawned_.pidfd.get(), POLLIN, 0
  };
  REQUIRE(::poll(&p, 1, kTimeoutMs) == 1);
  siginfo_t info{};
  REQUIRE(::waitid(P_PIDFD, static_cast<id_t>(spawned_.pidfd.get()), &info, WEXITED) == 0);
  reaped_ = true;
  if (info.si_code == CLD_EXITED) return info.si_status;
  return 128 + info.si_status;
}

void Container::signal(int sig) {
  REQUIRE(sys::pidfd_send_signal(spawned_.pidfd.get(), sig));
}

std::optional<std::string> Container::exit_json() const {
  if (!root_) return std::nullopt;
  auto text = fs::read_file(root_->path("state/exit.json"));
  if (!text) return std::nullopt;
  return text.value();
}

RunResult run(const TempRoot& root, const LaunchSpec& spec) {
  Container c{&root, spec};
  RunResult r;
  r.started = c.start();
  r.exit_code = c.wait();
  r.out = c.out();
  r.err = c.err();
  r.exit_json = c.exit_json();
  return r;
}

}  // namespace asup::launch::testing
