// run -t and -it in a real pseudo-terminal, as a user types at a shell: the container's
// own pty, its size and its changes, keys (Ctrl-C to the container, not the client), the
// detach keys, exit codes, the user's terminal restored, and output drained to the end.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "harness.hpp"

using namespace asup::it;

namespace {

// asupctl with a pseudo-terminal as its controlling terminal and stdin/stdout/stderr,
// the way a shell in a terminal window starts it.
class PtyClient {
 public:
  PtyClient(const std::vector<std::string>& argv, int rows, int cols) {
    struct winsize ws {};
    ws.ws_row = static_cast<unsigned short>(rows);
    ws.ws_col = static_cast<unsigned short>(cols);
    REQUIRE(::openpty(&master_, &slave_, nullptr, nullptr, &ws) == 0);
    ::fcntl(master_, F_SETFD, FD_CLOEXEC);
    ::fcntl(slave_, F_SETFD, FD_CLOEXEC);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::setsid();
      ::ioctl(slave_, TIOCSCTTY, 0);
      for (int fd = 0; fd < 3; ++fd) ::dup2(slave_, fd);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~PtyClient() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(master_);
    ::close(slave_);
  }

  void type(const std::string& keys) {
    REQUIRE(::write(master_, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size()));
  }
  // Reads what the terminal shows until `text` appears after what was already consumed.
  bool wait_for(const std::string& text, double seconds = 20) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (;;) {
      auto at = screen_.find(text, consumed_);
      if (at != std::string::npos) {
        consumed_ = at + text.size();
        return true;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) return false;
      struct pollfd p {
        master_, POLLIN, 0
      };
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[4096];
      ssize_t n = ::read(master_, buf, sizeof buf);
      if (n <= 0) return false;
      screen_.append(buf, static_cast<std::size_t>(n));
    }
  }
  void resize(int rows, int cols) {
    struct winsize ws {};
    ws.ws_row = static_cast<unsigned short>(rows);
    ws.ws_col = static_cast<unsigned short>(cols);
    REQUIRE(::ioctl(master_, TIOCSWINSZ, &ws) == 0);  // the kernel sends asupctl SIGWINCH
  }
  // Its exit code, once it exits (reading the terminal meanwhile so it never blocks).
  int wait_exit(double seconds = 20) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      wait_for("\x01\x02\x03", 0.05);  // drains output; never matches
    }
    FAIL("asupctl did not exit; the terminal shows: " << screen_);
    return -1;
  }
  struct termios mode() const {
    struct termios t {};
    ::tcgetattr(slave_, &t);
    return t;
  }
  const std::string& screen() const { return screen_; }

 private:
  int master_ = -1, slave_ = -1;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string screen_;
  std::size_t consumed_ = 0;
};

}  // namespace

TEST_CASE("run -it: a shell on the container's own terminal, sized and resized", "[tty]") {
  Daemon d;
  PtyClient client{d.ctl_argv({"run", "-it", "--rm", "busybox", "sh"}), 30, 100};
  auto cooked = client.mode();
  REQUIRE(client.wait_for("# "));
  client.type("tty; stty size; echo TERM=$TERM\r");
  CHECK(client.wait_for("/dev/pts/0"));
  CHECK(client.wait_for("30 100"));
  CHECK(client.wait_for("TERM=xterm"));
  // While attached the user's terminal is raw: keys go to the container's.
  CHECK((client.mode().c_lflag & (ICANON | ECHO | ISIG)) == 0);

  client.resize(40, 120);
  // SIGWINCH reaches asupctl, which resizes the container's terminal; ask until it shows.
  bool resized = false;
  for (int i = 0; i < 50 && !resized; ++i) {
    client.type("stty size\r");
    resized = client.wait_for("40 120", 0.2);
  }
  CHECK(resized);

  // Ctrl-C interrupts the container's foreground process, not asupctl or the shell. Typed
  // once the sleep runs: a ^C the line editor reads is a key, not a signal.
  client.type("echo sleep-$((6*7)); sleep 100\r");
  REQUIRE(client.wait_for("sleep-42\r\n"));
  bool interrupted = false;
  for (int i = 0; i < 50 && !interrupted; ++i) {
    client.type("\x03");
    interrupted = client.wait_for("# ", 0.2);
  }
  CHECK(interrupted);
  client.type("echo still-$((40+2))\r");
  CHECK(client.wait_for("still-42"));

  client.type("exit 5\r");
  CHECK(client.wait_exit() == 5);
  auto after = client.mode();
  CHECK(after.c_lflag == cooked.c_lflag);
  CHECK(after.c_iflag == cooked.c_iflag);
}

TEST_CASE("run -it: the detach keys leave the container running", "[tty]") {
  Daemon d;
  PtyClient client{d.ctl_argv({"run", "-it", "--name", "keeper", "busybox", "sh"}), 24, 80};
  REQUIRE(client.wait_for("# "));
  client.type("echo before-detach\r");
  REQUIRE(client.wait_for("before-detach"));
  client.type("\x10\x11");  // Ctrl-P Ctrl-Q
  CHECK(client.wait_exit() == 0);
  CHECK(d.status("keeper") == "running");
  // What it printed is in its log, as stdout.
  CHECK(d.wait_logs("keeper", "before-detach"));
  CHECK(d.run({"rm", "-f", "keeper"}).code == 0);
}

TEST_CASE("run -it with a custom --detach-keys, and a bad one", "[tty]") {
  Daemon d;
  auto bad = d.try_run({"run", "-t", "--detach-keys", "ctrl-", "busybox", "true"});
  CHECK(bad.code == 125);
  CHECK(contains(bad.err, "Invalid detach keys (ctrl-) provided"));

  PtyClient client{
      d.ctl_argv({"run", "-it", "--name", "k2", "--detach-keys", "ctrl-a,x", "busybox", "sh"}), 24,
      80};
  REQUIRE(client.wait_for("# "));
  // Ctrl-P Ctrl-Q is just input now.
  client.type("\x10\x11");
  client.type("\x01x");
  CHECK(client.wait_exit() == 0);
  CHECK(d.status("k2") == "running");
  CHECK(d.run({"rm", "-f", "k2"}).code == 0);
}

TEST_CASE("run -it without a terminal on stdin is refused as Docker refuses it", "[tty]") {
  Daemon d;
  auto r = d.try_run({"run", "-it", "--rm", "busybox", "true"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "the input device is not a TTY"));
  // -t alone needs no terminal on stdin.
  auto t = d.run({"run", "-t", "--rm", "busybox", "sh", "-c", "tty; exit 3"}, "", 60);
  CHECK(t.code == 3);
  CHECK(contains(t.out, "/dev/pts/0\r\n"));
}

TEST_CASE("run -t: output printed just before exit arrives whole", "[tty]") {
  Daemon d;
  auto r = d.run({"run", "-t", "--rm", "busybox", "seq", "1", "100000"});
  REQUIRE(r.code == 0);
  // The terminal turns \n into \r\n.
  std::string expected;
  for (int i = 1; i <= 100000; ++i) expected += std::to_string(i) + "\r\n";
  CHECK(r.out.size() == expected.size());
  CHECK(r.out == expected);
}

TEST_CASE("a detached container with a terminal keeps writing to its log across asupd's restart",
          "[tty]") {
  Daemon d;
  auto id = d.run_detached(
      {"-t", "busybox", "sh", "-c", "i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.05; done"});
  REQUIRE(d.wait_logs(id, "tick-3"));
  d.crash_daemon();
  d.start_daemon();
  CHECK(d.status(id) == "running");
  // Ticks written while no asupd ran, and after, all reach the log, in order.
  REQUIRE(d.wait_logs(id, "tick-60"));
  auto logs = d.run({"logs", id});
  std::size_t at = 0;
  for (int i = 1; i <= 60; ++i) {
    auto next = logs.out.find("tick-" + std::to_string(i) + "\r\n", at);
    INFO("tick-" << i);
    REQUIRE(next != std::string::npos);
    at = next;
  }
  CHECK(d.run({"rm", "-f", id}).code == 0);
}

TEST_CASE("attach reconnects to a detached terminal and ends with the container's code", "[tty]") {
  Daemon d;
  {
    PtyClient first{d.ctl_argv({"run", "-it", "--name", "again", "busybox", "sh"}), 24, 80};
    REQUIRE(first.wait_for("# "));
    first.type("\x10\x11");
    REQUIRE(first.wait_exit() == 0);
  }
  PtyClient second{d.ctl_argv({"attach", "again"}), 24, 80};
  // attach shows what comes from now on: ask the shell for a line.
  bool back = false;
  for (int i = 0; i < 50 && !back; ++i) {
    second.type("echo back-$((1+1))\r");
    back = second.wait_for("back-2", 0.2);
  }
  CHECK(back);
  second.type("exit 7\r");
  CHECK(second.wait_exit() == 7);
  CHECK(d.status("again") == "exited");

  auto stopped = d.try_run({"attach", "again"});
  CHECK(stopped.code == 1);
  CHECK(contains(stopped.err, "You cannot attach to a stopped container, start it first"));
  auto missing = d.try_run({"attach", "nosuch"});
  CHECK(missing.code == 1);
  CHECK(contains(missing.err, "No such container: nosuch"));
  CHECK(d.run({"rm", "again"}).code == 0);
}

TEST_CASE("attach to a detached -i container without a terminal feeds its stdin", "[tty]") {
  Daemon d;
  auto id = d.run_detached({"-i", "busybox", "sh", "-c", "read line; echo got-$line; exit 4"});
  auto attach = d.spawn({"attach", id}, "hello\n");
  REQUIRE(attach.wait(20));
  CHECK(attach.result().code == 4);
  CHECK(contains(attach.result().out, "got-hello"));
}

TEST_CASE("exec -it: its own terminal, its exit code, and a hang-up when the client dies",
          "[tty]") {
  Daemon d;
  auto id = d.run_detached({"--name", "host1", "busybox", "sleep", "3600"});
  {
    PtyClient client{d.ctl_argv({"exec", "-it", "host1", "sh"}), 20, 70};
    REQUIRE(client.wait_for("# "));
    client.type("tty; stty size; echo TERM=$TERM\r");
    CHECK(client.wait_for("/dev/pts/0"));
    CHECK(client.wait_for("20 70"));
    CHECK(client.wait_for("TERM=xterm"));
    client.type("exit 3\r");
    CHECK(client.wait_exit() == 3);
  }
  {
    PtyClient client{d.ctl_argv({"exec", "-it", "host1", "sh"}), 24, 80};
    REQUIRE(client.wait_for("# "));
    client.type("echo $$ > /tmp/orphan.pid\r");
    client.type("echo written\r");
    REQUIRE(client.wait_for("written\r\n"));
    // The client dies (its destructor kills it): the shell must not outlive it.
  }
  auto pid = trim(d.run({"exec", "host1", "cat", "/tmp/orphan.pid"}).out);
  REQUIRE_FALSE(pid.empty());
  CHECK(eventually([&] { return d.try_run({"exec", "host1", "kill", "-0", pid}).code != 0; }, 20));
  CHECK(d.run({"rm", "-f", id}).code == 0);
}

TEST_CASE("exec -it without a terminal on stdin is refused", "[tty]") {
  Daemon d;
  auto id = d.run_detached({"busybox", "sleep", "3600"});
  auto r = d.try_run({"exec", "-it", id, "sh"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "the input device is not a TTY"));
  auto t = d.run({"exec", "-t", id, "sh", "-c", "tty; seq 1 20000; exit 6"}, "", 60);
  CHECK(t.code == 6);
  CHECK(contains(t.out, "/dev/pts/0\r\n"));
  CHECK(contains(t.out, "\r\n19999\r\n20000\r\n"));
  CHECK(d.run({"rm", "-f", id}).code == 0);
}

TEST_CASE("start -ai: a created terminal container, sized to the client, to its exit code",
          "[tty]") {
  Daemon d;
  auto id = trim(d.run({"create", "-it", "--name", "later", "busybox", "sh"}).out);
  REQUIRE(d.status(id) == "created");
  {
    PtyClient client{d.ctl_argv({"start", "-ai", "later"}), 33, 99};
    REQUIRE(client.wait_for("# "));
    client.type("tty; stty size\r");
    CHECK(client.wait_for("/dev/pts/0"));
    CHECK(client.wait_for("33 99"));
    client.type("exit 4\r");
    CHECK(client.wait_exit() == 4);
  }
  CHECK(d.status(id) == "exited");
  // Again, and this time leave it with the detach keys: it keeps running.
  PtyClient again{d.ctl_argv({"start", "-ai", "later"}), 24, 80};
  REQUIRE(again.wait_for("# "));
  again.type("\x10\x11");
  CHECK(again.wait_exit() == 0);
  CHECK(d.status(id) == "running");
  CHECK(d.run({"rm", "-f", id}).code == 0);
}

TEST_CASE("start -ai of a terminal container without a terminal on stdin starts nothing", "[tty]") {
  Daemon d;
  auto id = trim(d.run({"create", "-it", "busybox", "sh"}).out);
  auto r = d.try_run({"start", "-ai", id});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "the input device is not a TTY"));
  CHECK(d.status(id) == "created");
  CHECK(d.inspect(id)["Config"]["Tty"] == true);
}
