#include "init/output_keeper.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "launch/launch_spec.hpp"
#include "launch/output_spool.hpp"

namespace asup::init {
namespace {

namespace fds = launch::fds;

// One read of a pipe becomes one record. Static: init reads one pipe at a time, and the
// pages are touched only when asupd is away.
char read_buffer[64 << 10];
// What one wake-up drains before the loop looks at signals again.
constexpr std::uint64_t kDrainTurn = 1 << 20;
// The last drain stops at an empty pipe; this bounds it should a writer outlive the
// workload after all (init not the namespace's init), far above any pipe's capacity.
constexpr std::uint64_t kFinalDrain = 64 << 20;
// How long a living asupd may take to read what the workload left in the pipes before
// init leaves anyway. asupd still holds the read ends, so the bytes are lost only if
// asupd dies too before reading them.
constexpr long kReaderWaitNs = 10L * 1000 * 1000 * 1000;

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) >= 0;
}

int pipe_fd(int slot) {
  return slot == OutputKeeper::kStdoutSlot ? fds::kStdoutHold : fds::kStderrHold;
}

std::uint8_t pipe_stream(int slot) {
  return slot == OutputKeeper::kStdoutSlot ? launch::spool::kStdout : launch::spool::kStderr;
}

std::int64_t realtime_ns() {
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

bool readable_now(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

// One "adopt TOKEN" message with one descriptor attached; -1 when the message is anything
// else (whatever descriptors it carried are closed).
int receive_adopt(std::string_view& token, char* buf, std::size_t size) {
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int))];
  } control;
  struct iovec iov = {buf, size};
  struct msghdr msg;
  std::memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.bytes;
  msg.msg_controllen = sizeof control.bytes;
  ssize_t n = ::recvmsg(fds::kControl, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n <= 0) return -1;
  int fd = -1;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int got;
      std::memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
      if (fd < 0)
        fd = got;
      else
        ::close(got);
    }
  }
  std::string_view text{buf, static_cast<std::size_t>(n)};
  if (fd < 0 || (msg.msg_flags & MSG_TRUNC) != 0 ||
      text.substr(0, launch::kAdoptRequest.size()) != launch::kAdoptRequest) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  token = text.substr(launch::kAdoptRequest.size());
  return fd;
}

}  // namespace

OutputKeeper::OutputKeeper(std::uint64_t log_size, bool tty)
    : spool_(fds::kStateDir, log_size == 0 ? 1 : log_size) {
  active_ = is_open(fds::kDaemonPidfd) && is_open(fds::kControl) && is_open(fds::kStdoutHold) &&
            (tty || is_open(fds::kStderrHold)) && is_open(fds::kStateDir);
  if (!active_) return;
  daemon_ = fds::kDaemonPidfd;
  open_[kStdoutSlot] = true;
  open_[kStderrSlot] = !tty;  // a terminal has one stream, read from the master
}

void OutputKeeper::fill(struct pollfd* slots) const {
  for (int i = 0; i < kSlots; ++i) slots[i] = {-1, POLLIN, 0};
  if (!active_) return;
  slots[kDaemonSlot].fd = daemon_;
  if (control_) slots[kControlSlot].fd = fds::kControl;
  for (int slot : {kStdoutSlot, kStderrSlot})
    if (draining_ && open_[slot]) slots[slot].fd = pipe_fd(slot);
}

void OutputKeeper::handle(const struct pollfd* slots) {
  if (!active_) return;
  // Death first: the same turn may bring output that is now init's to read.
  if (daemon_ >= 0 && slots[kDaemonSlot].revents != 0) daemon_gone();
  for (int slot : {kStdoutSlot, kStderrSlot})
    if (draining_ && slots[slot].fd >= 0 && slots[slot].revents != 0) drain(slot, kDrainTurn);
  const short control = slots[kControlSlot].revents;
  if (control & POLLIN)
    on_control();
  else if (control != 0)
    control_ = false;  // cannot happen while init holds the peer; never spin on it
}

void OutputKeeper::daemon_gone() {
  ::close(daemon_);
  daemon_ = -1;
  draining_ = true;
  // The flag belongs to the pipe's open file, which asupd set too: init must never block
  // on an empty pipe either.
  for (int fd : {fds::kStdoutHold, fds::kStderrHold})
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void OutputKeeper::on_control() {
  char buf[128];
  std::string_view token;
  int pidfd = receive_adopt(token, buf, sizeof buf);
  if (pidfd < 0) return;
  // Every byte read so far is in the spool when asupd opens it.
  draining_ = false;
  spool_.close();
  if (daemon_ >= 0) ::close(daemon_);
  daemon_ = ::dup3(pidfd, fds::kDaemonPidfd, O_CLOEXEC) >= 0 ? fds::kDaemonPidfd : pidfd;
  if (daemon_ != pidfd) ::close(pidfd);
  char reply[sizeof buf + 8];
  std::size_t len = launch::kAdoptReply.size();
  std::memcpy(reply, launch::kAdoptReply.data(), len);
  std::memcpy(reply + len, token.data(), token.size());
  len += token.size();
  (void)::send(fds::kControl, reply, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void OutputKeeper::drain(int slot, std::uint64_t budget) {
  const int fd = pipe_fd(slot);
  for (std::uint64_t done = 0; done < budget;) {
    ssize_t n = ::read(fd, read_buffer, sizeof read_buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (n < 0 && errno != EAGAIN)) open_[slot] = false;
    if (n <= 0) return;
    auto got = static_cast<std::size_t>(n);
    if (!spool_.append(pipe_stream(slot), realtime_ns(), std::string_view{read_buffer, got}))
      spool_.lose(got);  // a full disk: the workload must still never block
    done += got;
  }
}

std::uint64_t OutputKeeper::unread() const {
  std::uint64_t total = 0;
  for (int fd : {fds::kStdoutHold, fds::kStderrHold}) {
    int n = 0;
    if (::ioctl(fd, FIONREAD, &n) == 0 && n > 0) total += static_cast<std::uint64_t>(n);
  }
  return total;
}

void OutputKeeper::kill_leftovers() {
  // The workload's leftovers die now rather than when init exits (the kernel kills them
  // then anyway), so nothing adds to the pipes while they empty. Only as the namespace's
  // init: kill(-1) anywhere else would reach the host.
  if (!killed_leftovers_ && ::getpid() == 1) ::kill(-1, SIGKILL);
  killed_leftovers_ = true;
}

void OutputKeeper::wait_for_reader() {
  // No event says "the pipe is empty": look again after a pause that starts short, as
  // asupd usually reads within microseconds, and grows.
  long pause_ns = 100 * 1000;
  for (long waited = 0; waited < kReaderWaitNs && unread() > 0; waited += pause_ns) {
    struct pollfd p = {daemon_, POLLIN, 0};
    struct timespec pause = {0, pause_ns};
    if (::ppoll(&p, 1, &pause, nullptr) == 1) {
      daemon_gone();
      return;
    }
    // Still not empty after the first pause: perhaps a leftover keeps writing.
    kill_leftovers();
    if (pause_ns < 20 * 1000 * 1000) pause_ns *= 2;
  }
}

void OutputKeeper::finish() {
  if (!active_) return;
  if (daemon_ >= 0 && readable_now(daemon_)) daemon_gone();
  // What the workload left in the pipes must reach a reader before init leaves.
  if (unread() > 0 && !draining_) wait_for_reader();
  if (unread() > 0 && draining_) {
    kill_leftovers();
    for (int slot : {kStdoutSlot, kStderrSlot})
      if (open_[slot]) drain(slot, kFinalDrain);
  }
  spool_.close();
}

}  // namespace asup::init
