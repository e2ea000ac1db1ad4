// A session's pid is trusted only once that process is seen holding the request FIFO.
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "control/peer.hpp"
#include "core/fs.hpp"

using namespace asup;

namespace {

struct Fifo {
  Fifo() {
    char tmpl[] = "/tmp/asup-peer-test.XXXXXX";
    dir = ::mkdtemp(tmpl);
    path = dir + "/req";
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    fd.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    REQUIRE(fd);
    REQUIRE(::fstat(fd.get(), &st) == 0);
    char buf[PATH_MAX];
    ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd.get())).c_str(), buf, sizeof buf);
    REQUIRE(n > 0);
    real.assign(buf, static_cast<std::size_t>(n));
  }
  ~Fifo() { (void)fs::remove_tree(dir); }
  std::string dir, path, real;
  UniqueFd fd;
  struct stat st {};
};

}  // namespace

TEST_CASE("the process holding the FIFO is verified", "[control][peer]") {
  Fifo f;
  CHECK(control::process_holds(::getpid(), f.st, f.real));
  auto pidfd = control::open_verified_pidfd(::getpid(), f.st, f.real);
  REQUIRE(pidfd);
  CHECK(pidfd.value().valid());
  // Still true once the name is gone: the check is by inode.
  REQUIRE(::unlink(f.path.c_str()) == 0);
  CHECK(control::process_holds(::getpid(), f.st, f.real));
  // A descriptor is stat'ed only when its link names the FIFO.
  CHECK_FALSE(control::process_holds(::getpid(), f.st, f.real + "x"));
}

TEST_CASE("a process that does not hold the FIFO is refused", "[control][peer]") {
  Fifo f;
  int ready[2];
  REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
  pid_t child = ::fork();
  if (child == 0) {
    // Drops the FIFO, says so, then waits to be killed.
    ::close(f.fd.release());
    ::close(ready[0]);
    (void)!::write(ready[1], "1", 1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char c;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);
  auto pidfd = control::open_verified_pidfd(child, f.st, f.real);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  REQUIRE_FALSE(pidfd);
  CHECK(pidfd.error().code == EPERM);
  CHECK(pidfd.error().message.find("does not hold") != std::string::npos);

  auto gone = control::open_verified_pidfd(child, f.st, f.real);
  REQUIRE_FALSE(gone);
}
