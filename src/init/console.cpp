#include "init/console.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "launch/launch_spec.hpp"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

namespace asup::init {

Result<UniqueFd> open_console(std::uint32_t rows, std::uint32_t cols) {
  constexpr int kMaster = launch::fds::kConsoleMaster;
  UniqueFd opened{::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)};
  if (!opened) return fail_errno("open /dev/ptmx");
  // At its place first, so that nothing opened later (the slave) can land there.
  if (opened.get() != kMaster) {
    if (::dup3(opened.get(), kMaster, O_CLOEXEC) < 0) return fail_errno("place the pty master");
    opened.reset();
  } else {
    (void)opened.release();
  }
  int unlock = 0;
  if (::ioctl(kMaster, TIOCSPTLCK, &unlock) != 0) return fail_errno("unlock the pty");
  // The slave through the master itself, not by a path under /dev/pts that the image's
  // files could stand in for.
  UniqueFd slave{::ioctl(kMaster, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)};
  if (!slave) return fail_errno("open the pty slave");
  if (rows > 0 && cols > 0) {
    struct winsize size {};
    size.ws_row = static_cast<unsigned short>(rows);
    size.ws_col = static_cast<unsigned short>(cols);
    if (::ioctl(kMaster, TIOCSWINSZ, &size) != 0) return fail_errno("set the terminal size");
  }
  return slave;
}

Status become_terminal_session(int slave) {
  if (::setsid() < 0) return fail_errno("setsid");
  if (::ioctl(slave, TIOCSCTTY, 0) != 0) return fail_errno("make the pty the controlling terminal");
  for (int fd = 0; fd < 3; ++fd)
    if (::dup2(slave, fd) < 0) return fail_errno("dup the pty onto fd " + std::to_string(fd));
  if (slave > 2) ::close(slave);
  return ok();
}

}  // namespace asup::init
