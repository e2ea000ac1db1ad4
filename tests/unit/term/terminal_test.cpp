#include <catch2/catch.hpp>

#include <pty.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asup/unique_fd.hpp"
#include "term/terminal.hpp"

using namespace asup;
using namespace asup::term;

namespace {

struct Pty {
  UniqueFd master, slave;
  Pty() {
    int m = -1, s = -1;
    struct winsize ws {};
    ws.ws_row = 33;
    ws.ws_col = 121;
    REQUIRE(::openpty(&m, &s, nullptr, nullptr, &ws) == 0);
    master.reset(m);
    slave.reset(s);
  }
};

struct termios mode_of(int fd) {
  struct termios t {};
  REQUIRE(::tcgetattr(fd, &t) == 0);
  return t;
}

}  // namespace

TEST_CASE("the window size of a terminal, and none of a pipe", "[term]") {
  Pty pty;
  CHECK(window_size(pty.slave.get()) == WindowSize{33, 121});
  int p[2];
  REQUIRE(::pipe(p) == 0);
  CHECK_FALSE(window_size(p[0]));
  ::close(p[0]);
  ::close(p[1]);
}

TEST_CASE("raw mode passes every key and is undone when it ends", "[term]") {
  Pty pty;
  auto before = mode_of(pty.slave.get());
  REQUIRE((before.c_lflag & (ICANON | ISIG | ECHO)) != 0);
  {
    auto raw = RawMode::enter(pty.slave.get());
    REQUIRE(raw);
    auto during = mode_of(pty.slave.get());
    CHECK((during.c_lflag & (ICANON | ISIG | ECHO | IEXTEN)) == 0);
    CHECK((during.c_iflag & (ICRNL | IXON)) == 0);
    CHECK(during.c_cc[VMIN] == 1);
    // The container's terminal processes output already.
    CHECK((during.c_oflag & OPOST) == 0);
  }
  auto after = mode_of(pty.slave.get());
  CHECK(after.c_lflag == before.c_lflag);
  CHECK(after.c_iflag == before.c_iflag);
  CHECK(after.c_oflag == before.c_oflag);
}

TEST_CASE("a client killed by SIGTERM in raw mode leaves the terminal as it was", "[term]") {
  Pty pty;
  auto before = mode_of(pty.slave.get());
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto raw = RawMode::enter(pty.slave.get());
    (void)!::write(ready[1], raw ? "1" : "0", 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);
  REQUIRE(c == '1');
  CHECK((mode_of(pty.slave.get()).c_lflag & ICANON) == 0);
  ::kill(pid, SIGTERM);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  CHECK(mode_of(pty.slave.get()).c_lflag == before.c_lflag);
}
