// Re-adoption after an asupd restart. A container still running gets a fresh pidfd, its
// output pipes back and the output its asup-init kept while no asupd read them (the
// handover: launch_spec.hpp, "Output while asupd is away"); one that ended meanwhile gets
// its exit code and that output too.
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "core/fs.hpp"
#include "core/syscalls.hpp"
#include "engine/engine.hpp"
#include "engine/resource_config.hpp"
#include "launch/launch_spec.hpp"

namespace asup::engine {
namespace {

// How long asup-init may take to answer "adopt". One that never does (older than the
// handover, or stopped) must not keep its container's output from being read for long.
constexpr auto kHandoverTimeout = std::chrono::seconds(2);
// A re-adopted asup-init is not asupd's child: waitid cannot see its status. /proc shows it
// while it is a zombie, its pidfd once its new parent has reaped it (PIDFD_INFO_EXIT,
// Linux 6.15); between the two, or on an older kernel, asupd looks again for a while.
constexpr int kExitInfoAttempts = 300;
constexpr auto kExitInfoPause = std::chrono::milliseconds(10);

// PIDFD_GET_INFO as <linux/pidfd.h> of Linux 6.15 has it (glibc 2.36's headers predate it);
// the kernel accepts this first, 64-byte version of the struct.
struct PidfdInfo {
  std::uint64_t mask;
  std::uint64_t cgroupid;
  std::uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
  std::int32_t exit_code;  // a wait status
};
constexpr std::uint64_t kPidfdInfoExit = 1U << 3;
constexpr unsigned long kPidfdGetInfo = _IOWR(0xFF, 11, PidfdInfo);

enum class ExitInfo { Known, NotYet, Unsupported };

ExitInfo exit_from_pidfd(int pidfd, int& code) {
  PidfdInfo info;
  std::memset(&info, 0, sizeof info);
  info.mask = kPidfdInfoExit;
  if (::ioctl(pidfd, kPidfdGetInfo, &info) != 0)
    return errno == ESRCH ? ExitInfo::NotYet : ExitInfo::Unsupported;
  if ((info.mask & kPidfdInfoExit) == 0) return ExitInfo::NotYet;  // a zombie still
  const int status = info.exit_code;
  code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  return ExitInfo::Known;
}

// A zombie still shows its wait status in /proc/PID/stat (field 52, Linux 3.5), to anyone,
// until its parent reaps it; the start time (field 22) tells it from a process that took
// the pid since.
bool exit_from_zombie(pid_t pid, unsigned long long start_time, int& code) {
  auto stat = fs::read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  const std::string& text = stat.value();
  auto paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] != 'Z')
    return false;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  unsigned long long started = 0;
  long long status = -1;
  for (int n = 3; n <= 52 && fields >> field; ++n) {
    if (n == 22) started = std::strtoull(field.c_str(), nullptr, 10);
    if (n == 52) status = std::strtoll(field.c_str(), nullptr, 10);
  }
  if (started != start_time || status < 0) return false;
  const int s = static_cast<int>(status);
  code = WIFSIGNALED(s) ? 128 + WTERMSIG(s) : WEXITSTATUS(s);
  return true;
}

// "adopt TOKEN" with asupd's pidfd attached; never blocks.
Status send_adopt(int control, const std::string& token, int pidfd) {
  std::string text = std::string{launch::kAdoptRequest} + token;
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int))];
  } fd_space;
  std::memset(&fd_space, 0, sizeof fd_space);
  struct iovec iov = {text.data(), text.size()};
  struct msghdr msg;
  std::memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = fd_space.bytes;
  msg.msg_controllen = sizeof fd_space.bytes;
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &pidfd, sizeof pidfd);
  if (::sendmsg(control, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
    return fail_errno("send adopt to asup-init");
  return ok();
}

}  // namespace

struct Engine::Handover {
  Handover(boost::asio::io_context& io, std::string container)
      : id(std::move(container)), control(io), timer(io) {}
  std::string id;
  std::string reply;  // "ok TOKEN"
  boost::asio::posix::stream_descriptor control;
  boost::asio::steady_timer timer;
  UniqueFd out, err;  // the output pipes, read only once the spool is imported
  bool done = false;
};

int Engine::daemon_pidfd() {
  if (!daemon_pidfd_) {
    auto fd = sys::pidfd_open(::getpid());
    if (!fd) {
      spdlog::warn("{}: containers cannot keep their output while asupd is away",
                   fd.error().describe());
      return -1;
    }
    daemon_pidfd_ = std::move(fd).value();
  }
  return daemon_pidfd_.get();
}

void Engine::adopt(Instance& c) {
  // Created and never started, exited, or waiting for its policy: no process to find.
  if (!c.launched) return;
  // Same pid and same start time: the same process.
  if (c.running() && c.state.pid > 0 &&
      sys::process_start_time(c.state.pid) == c.state.pid_start_time) {
    if (auto pidfd = sys::pidfd_open(c.state.pid)) {
      readopt(c, std::move(pidfd).value());
      return;
    }
  }
  // It ended while no asupd watched: exit.json has its status, the spool its last output.
  c.cgroup = cgroups_->open(c.config.id, cgroup_parent_of(c.config));
  import_spool(c);
  c.pending = 1;
  settle(c);
}

void Engine::readopt(Instance& c, UniqueFd pidfd) {
  const std::string id = c.config.id;
  c.cgroup = cgroups_->open(id, cgroup_parent_of(c.config));
  // Paused is what the freezer says, whatever asupd managed to write before it went.
  if (auto frozen = c.cgroup->freezer_state())
    c.state.status =
        frozen.value() == cgroup::FreezerState::Thawed ? RunState::Running : RunState::Paused;
  c.log->reopen();
  auto h = std::make_shared<Handover>(loop_.io(), id);
  // Taken first: should asup-init end during the handover, the pipes stay readable here.
  if (auto out = sys::pidfd_getfd(pidfd.get(), launch::fds::kStdoutHold))
    h->out = std::move(out).value();
  if (auto err = sys::pidfd_getfd(pidfd.get(), launch::fds::kStderrHold))
    h->err = std::move(err).value();
  auto control = sys::pidfd_getfd(pidfd.get(), launch::fds::kControlPeer);
  c.pending = 2;  // the process, the handover (then each pipe, see end_handover)
  c.watch = std::make_unique<loop::PidfdWatch>(loop_.io(), std::move(pidfd));
  c.watch->start([this, id] { on_process_exit(id); });
  // Its resolver went with the last asupd: a new one in its namespace.
  start_resolver(c, c.watch->fd());
  health_resumed(c);  // a paused one waits for its unpause
  if (!control) {
    // An asup-init from before the handover: nothing was spooled, the pipes are ours.
    end_handover(h);
    return;
  }
  const std::string token = std::to_string(::getpid()) + "." + std::to_string(monotonic_ns()) +
                            "." + std::to_string(++handover_serial_);
  h->reply = std::string{launch::kAdoptReply} + token;
  if (auto r = send_adopt(control.value().get(), token, daemon_pidfd()); !r) {
    spdlog::warn("container {}: {}", id.substr(0, 12), r.error().describe());
    end_handover(h);
    return;
  }
  boost::system::error_code ec;
  h->control.assign(control.value().get(), ec);
  if (ec) {
    end_handover(h);
    return;
  }
  (void)control.value().release();  // h->control owns it now
  h->timer.expires_after(kHandoverTimeout);
  h->timer.async_wait([this, h](const boost::system::error_code& ec) {
    if (ec || h->done) return;
    spdlog::warn("container {}: asup-init did not answer the handover; reading its output anyway",
                 h->id.substr(0, 12));
    end_handover(h);
  });
  await_handover(h);
}

void Engine::await_handover(const std::shared_ptr<Handover>& h) {
  h->control.async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this, h](const boost::system::error_code& ec) {
        if (h->done) return;
        char buf[128];
        ssize_t n = ec ? -1 : ::recv(h->control.native_handle(), buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0 && !ec && (errno == EAGAIN || errno == EINTR)) {
          await_handover(h);
          return;
        }
        // EOF: asup-init is gone, and what it spooled is complete. An answer meant for an
        // asupd that died before reading it is skipped.
        if (n > 0 && std::string_view(buf, static_cast<std::size_t>(n)) != h->reply) {
          await_handover(h);
          return;
        }
        end_handover(h);
      });
}

void Engine::end_handover(const std::shared_ptr<Handover>& h) {
  h->done = true;
  h->timer.cancel();
  boost::system::error_code ignored;
  h->control.close(ignored);
  auto it = containers_.find(h->id);
  if (it == containers_.end()) return;
  Instance& c = *it->second;
  // The spool first, then the pipes: the bytes in the pipes came after it.
  import_spool(c);
  // A terminal's master (what init holds in place of the stdout pipe) takes input too.
  if (c.config.tty && h->out) {
    if (UniqueFd writer{::fcntl(h->out.get(), F_DUPFD_CLOEXEC, 0)})
      c.stdin_writer = std::make_shared<StdinWriter>(loop_.io(), std::move(writer),
                                                     "container " + c.config.id.substr(0, 12));
  }
  for (auto [fd, stream] :
       {std::pair{&h->out, logs::Stream::Stdout}, std::pair{&h->err, logs::Stream::Stderr}}) {
    if (!*fd) continue;
    ++c.pending;
    capture(c, std::move(*fd), stream);
  }
  settle(c);
}

void Engine::resolve_adopted_exit(const std::string& id, int attempt) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  Instance& c = *it->second;
  // asup-init recorded the workload's end: finish() reads it.
  if (fs::exists(fs::join(c.run_dir, launch::kExitFile))) {
    settle(c);
    return;
  }
  int code = -1;
  // Before its new parent reaps it, then after.
  if (exit_from_zombie(c.state.pid, c.state.pid_start_time, code)) {
    c.wait_status_code = code;
    settle(c);
    return;
  }
  switch (exit_from_pidfd(c.watch->fd(), code)) {
    case ExitInfo::Known:
      c.wait_status_code = code;
      settle(c);
      return;
    case ExitInfo::NotYet:
      // SIGKILL from asupd is the one signal asup-init cannot record: no need to wait.
      if (!c.sigkill_sent && attempt < kExitInfoAttempts) {
        auto timer = std::make_shared<boost::asio::steady_timer>(loop_.io(), kExitInfoPause);
        timer->async_wait([this, id, attempt, timer](const boost::system::error_code& ec) {
          if (!ec) resolve_adopted_exit(id, attempt + 1);
        });
        return;
      }
      break;
    case ExitInfo::Unsupported:
      break;
  }
  if (c.sigkill_sent) c.wait_status_code = 128 + SIGKILL;
  settle(c);
}

}  // namespace asup::engine
