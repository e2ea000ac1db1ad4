#include "term/terminal.hpp"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>

namespace asup::term {
namespace {

// One terminal at a time is raw (the client's stdin); kept where a signal handler can
// reach it without locks.
volatile sig_atomic_t g_raw_fd = -1;
struct termios g_saved;

extern "C" void restore_and_reraise(int sig) {
  restore_all();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_restorers() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  std::atexit(restore_all);
  for (int sig : {SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS}) {
    struct sigaction current {};
    // A signal the process ignores stays ignored.
    if (::sigaction(sig, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) continue;
    struct sigaction action {};
    action.sa_handler = restore_and_reraise;
    ::sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    ::sigaction(sig, &action, nullptr);
  }
}

}  // namespace

std::optional<WindowSize> window_size(int fd) {
  struct winsize ws {};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0) return std::nullopt;
  return WindowSize{ws.ws_row, ws.ws_col};
}

void restore_all() {
  int fd = g_raw_fd;
  if (fd >= 0) ::tcsetattr(fd, TCSADRAIN, &g_saved);
}

Result<RawMode> RawMode::enter(int fd) {
  struct termios saved {};
  if (::tcgetattr(fd, &saved) != 0) return fail_errno("read the terminal's mode");
  struct termios raw = saved;
  // cfmakeraw, as Docker's client does: output processing too, since the container's own
  // terminal already turned \n into \r\n (a second pass would print \r\r\n).
  raw.c_oflag &= ~static_cast<tcflag_t>(OPOST);
  raw.c_iflag &=
      ~static_cast<tcflag_t>(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
  raw.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  raw.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB);
  raw.c_cflag |= CS8;
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  g_saved = saved;
  g_raw_fd = fd;
  install_restorers();
  if (::tcsetattr(fd, TCSADRAIN, &raw) != 0) {
    g_raw_fd = -1;
    return fail_errno("put the terminal into raw mode");
  }
  return RawMode{fd, saved};
}

RawMode::RawMode(RawMode&& other) noexcept : fd_(other.fd_), saved_(other.saved_) {
  other.fd_ = -1;
}

RawMode::~RawMode() {
  if (fd_ < 0) return;
  ::tcsetattr(fd_, TCSADRAIN, &saved_);
  g_raw_fd = -1;
}

}  // namespace asup::term
