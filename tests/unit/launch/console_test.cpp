// Terminals, as root: the workload's pty comes from the container's own devpts, its master
// is taken from asup-init, and keys and hang-ups act on the workload as on a terminal.
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "container_fixture.hpp"

using namespace asup;
using namespace asup::launch;
using namespace asup::launch::testing;

namespace {

constexpr int kTimeoutMs = 20000;

// Everything the terminal shows until it hangs up (EIO once the last slave is closed).
std::string read_until_hangup(int master) {
  std::string out;
  for (int waited = 0; waited < kTimeoutMs;) {
    struct pollfd p {
      master, POLLIN, 0
    };
    if (::poll(&p, 1, 100) == 0) {
      waited += 100;
      continue;
    }
    char buf[4096];
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
  FAIL("the terminal never hung up; it showed: " << out);
  return out;
}

// Reads until `text` appears.
void wait_for_text(int master, const std::string& text, std::string& seen) {
  for (int waited = 0; seen.find(text) == std::string::npos;) {
    struct pollfd p {
      master, POLLIN, 0
    };
    if (::poll(&p, 1, 100) == 0) {
      waited += 100;
      if (waited >= kTimeoutMs) FAIL("\"" << text << "\" never appeared in: " << seen);
      continue;
    }
    char buf[4096];
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) FAIL("the terminal hung up before \"" << text << "\": " << seen);
    seen.append(buf, static_cast<std::size_t>(n));
  }
}

LaunchSpec with_tty(LaunchSpec spec, std::uint32_t rows, std::uint32_t cols) {
  spec.tty = true;
  spec.tty_rows = rows;
  spec.tty_cols = cols;
  return spec;
}

SpawnOptions exec_options(int ns_pidfd) {
  SpawnOptions o;
  o.namespaces = 0;
  o.ns_pidfd = ns_pidfd;
  o.state_dir_fd = -1;
  return o;
}

LaunchSpec exec_spec(std::vector<std::string> argv) {
  LaunchSpec spec;
  spec.mode = Mode::Exec;
  spec.argv = std::move(argv);
  spec.env = {"PATH=/bin"};
  return spec;
}

}  // namespace

TEST_CASE("a container with a terminal gets its own pty, sized before it runs",
          "[launch][root][tty]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  {
    auto spec =
        with_tty(root.spec({"sh", "-c", "tty; stty size; test -t 0 && echo in-tty"}), 30, 100);
    Container box{&root, spec};
    REQUIRE(box.next_report() == "ready");
    auto master = take_console(box.pidfd());
    REQUIRE(master);
    box.release_barrier();
    CHECK(box.next_report().rfind("started ", 0) == 0);
    // The terminal translates \n to \r\n, as any terminal does.
    CHECK(read_until_hangup(master.value().get()) == "/dev/pts/0\r\n30 100\r\nin-tty\r\n");
    CHECK(box.wait() == 0);
  }
  CHECK(mounts_under(root.dir()).empty());
}

TEST_CASE("Ctrl-C on the terminal interrupts the workload", "[launch][root][tty]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  auto spec = with_tty(root.spec({"sh", "-c", "echo waiting; sleep 60"}), 24, 80);
  Container box{&root, spec};
  REQUIRE(box.next_report() == "ready");
  auto master = take_console(box.pidfd());
  REQUIRE(master);
  box.release_barrier();
  REQUIRE(box.next_report().rfind("started ", 0) == 0);
  std::string seen;
  wait_for_text(master.value().get(), "waiting", seen);
  REQUIRE(::write(master.value().get(), "\x03", 1) == 1);
  CHECK(box.wait() == 130);
}

TEST_CASE("exec with a terminal: its own pty, and hanging it up ends the session",
          "[launch][root][tty]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  Container box{&root, root.spec({"sleep", "60"})};
  REQUIRE(box.start() == "started 2");

  SECTION("it runs on a terminal and exits with its own code") {
    Container e{nullptr, with_tty(exec_spec({"sh", "-c", "tty; stty size; exit 3"}), 12, 40),
                exec_options(box.pidfd())};
    REQUIRE(e.next_report() == "console");
    auto master = take_console(e.pidfd());
    REQUIRE(master);
    e.release_barrier();
    CHECK(e.next_report().rfind("started ", 0) == 0);
    CHECK(read_until_hangup(master.value().get()) == "/dev/pts/0\r\n12 40\r\n");
    CHECK(e.wait() == 3);
  }
  SECTION("when its master closes the session gets SIGHUP: no orphan reads the terminal") {
    Container e{nullptr, with_tty(exec_spec({"sh", "-c", "echo up; read line"}), 24, 80),
                exec_options(box.pidfd())};
    REQUIRE(e.next_report() == "console");
    auto master = take_console(e.pidfd());
    REQUIRE(master);
    e.release_barrier();
    REQUIRE(e.next_report().rfind("started ", 0) == 0);
    std::string seen;
    wait_for_text(master.value().get(), "up", seen);
    master.value().reset();
    CHECK(e.wait() == 128 + SIGHUP);
  }
  box.signal(SIGKILL);
  CHECK(box.wait() == 137);
}
