// Bad input from users and from broken or hostile clients: clear errors, and the daemon
// keeps serving everyone else.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <optional>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

using Clock = std::chrono::steady_clock;

// Writes all of `data` to a non-blocking fd within the deadline.
bool write_all(int fd, const std::string& data, double timeout_seconds) {
  auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (Clock::now() >= deadline) return false;
    pollfd p{fd, POLLOUT, 0};
    ::poll(&p, 1, 100);
  }
  return true;
}

// A client speaking the control protocol by hand, to send what asupctl never would.
class RawClient {
 public:
  explicit RawClient(const std::string& run_root) {
    std::string pattern = run_root + "/clients/raw.XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    std::string req = dir_ + "/req", rep = dir_ + "/rep";
    REQUIRE(::mkfifo(req.c_str(), 0600) == 0);
    REQUIRE(::mkfifo(rep.c_str(), 0600) == 0);
    rep_ = ::open(rep.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(rep_ >= 0);
    // Held read-write before the hello (docs/protocol.md): asupd unlinks the names once it
    // has opened them.
    req_ = ::open(req.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(req_ >= 0);
    int server = ::open((run_root + "/asupd.fifo").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(server >= 0);
    nlohmann::json hello{{"hello", 1}, {"pid", ::getpid()}, {"requests", req}, {"replies", rep}};
    std::string line = hello.dump() + "\n";
    REQUIRE(::write(server, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
    ::close(server);
    pollfd p{rep_, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);
    auto first = read_line(10);
    REQUIRE(first);
    auto j = nlohmann::json::parse(*first, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["type"] == "hello");
  }
  ~RawClient() {
    close();
    ::unlink((dir_ + "/req").c_str());
    ::unlink((dir_ + "/rep").c_str());
    ::rmdir(dir_.c_str());
  }
  void close() {
    if (req_ >= 0) ::close(req_);
    if (rep_ >= 0) ::close(rep_);
    req_ = rep_ = -1;
  }
  bool send(const std::string& bytes, double timeout_seconds = 20) {
    return write_all(req_, bytes, timeout_seconds);
  }
  std::optional<std::string> read_line(double timeout_seconds) {
    auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
    for (;;) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      if (Clock::now() >= deadline) return std::nullopt;
      pollfd p{rep_, POLLIN, 0};
      ::poll(&p, 1, 100);
      char chunk[65536];
      ssize_t n = ::read(rep_, chunk, sizeof chunk);
      if (n > 0) buffer_.append(chunk, static_cast<std::size_t>(n));
      if (n == 0) return std::nullopt;  // the daemon closed the session
    }
  }
  // The next reply, parsed; discarded json when there is none.
  nlohmann::json reply(double timeout_seconds = 10) {
    auto line = read_line(timeout_seconds);
    if (!line) return nlohmann::json(nlohmann::json::value_t::discarded);
    return nlohmann::json::parse(*line, nullptr, false);
  }

 private:
  std::string dir_;
  int req_ = -1, rep_ = -1;
  std::string buffer_;
};

void check_daemon_still_serves(Daemon& d) {
  int status;
  REQUIRE(::waitpid(d.daemon_pid(), &status, WNOHANG) == 0);  // asupd did not die
  auto r = d.run({"ps", "-a"}, "", 20);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.seconds < 5);
  r = d.run({"run", "--rm", "busybox", "true"}, "", 30);
  INFO(r);
  CHECK(r.code == 0);
  r = d.run({"run", "--rm", "busybox", "echo", "still here"}, "", 30);
  CHECK(r.out == "still here\n");
}

}  // namespace

TEST_CASE("unknown containers give a clear error and a non-zero exit", "[integration][errors]") {
  Daemon d;
  for (auto cmd : std::vector<std::vector<std::string>>{{"logs", "nosuch"},
                                                        {"stop", "nosuch"},
                                                        {"rm", "nosuch"},
                                                        {"rm", "-f", "nosuch"},
                                                        {"inspect", "nosuch"},
                                                        {"kill", "nosuch"},
                                                        {"wait", "nosuch"},
                                                        {"exec", "nosuch", "true"}}) {
    auto r = d.run(cmd);
    INFO(r);
    CHECK(r.code != 0);
    CHECK_THAT(r.err, Contains("No such container: nosuch"));
  }
  // One bad name among good ones: the good ones are still acted on.
  std::string id = d.run_detached({"busybox", "true"});
  REQUIRE(d.wait_status(id, "exited"));
  auto r = d.run({"inspect", id, "nosuch"});
  INFO(r);
  CHECK(r.code == 1);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE(j.is_array());
  CHECK(j.size() == 1);
  r = d.run({"rm", "nosuch", id});
  INFO(r);
  CHECK(r.code == 1);
  CHECK(trim(r.out) == id);
  CHECK(trim(d.run({"ps", "-aq"}).out) == "");
}

TEST_CASE("bad flags and values are refused before anything runs", "[integration][errors]") {
  Daemon d;
  for (auto cmd : std::vector<std::vector<std::string>>{
           {"run", "--bogus", "busybox"},
           {"run", "-m", "abc", "busybox", "true"},
           {"run", "-m", "1k", "busybox", "true"},
           {"run", "--cpus", "abc", "busybox", "true"},
           {"run", "--cpus", "-1", "busybox", "true"},
           {"run", "--pids-limit", "x", "busybox", "true"},
           {"run", "--log-size", "zz", "busybox", "true"},
           {"run", "-e", "=nokey", "busybox", "true"},
           {"run", "--env-file", "/no/such/file", "busybox", "true"},
           {"run", "-w", "relative", "busybox", "true"},
           {"run", "-v", "bad name:/data", "busybox", "true"},
           {"run", "-v", "/tmp:relative", "busybox", "true"},
           {"run", "-v", "/tmp:ro", "busybox", "true"},
           {"run", "-v", "/tmp:/data:bogus", "busybox", "true"},
           {"run", "--tmpfs", "relative", "busybox", "true"},
           {"run"}}) {
    auto r = d.run(cmd);
    INFO(r);
    CHECK(r.code == 125);
    CHECK(r.err != "");
    CHECK(r.out == "");
  }
  auto r = d.run({"ps", "--bogus"});
  CHECK(r.code != 0);
  r = d.run({"nosuchcommand"});
  CHECK(r.code != 0);
  r = d.run({"logs", "--tail", "x", "whatever"});
  CHECK(r.code != 0);
  CHECK(trim(d.run({"ps", "-aq"}).out) == "");

  // Without a daemon the client says so instead of hanging.
  Process lonely({bin_path("asupctl"), "--run-root", d.dir() + "/nowhere", "ps"});
  REQUIRE(lonely.wait(10));
  CHECK(lonely.result().code != 0);
  CHECK_THAT(lonely.err(), Contains("asupd"));
}

TEST_CASE("garbage on the control FIFO does not disturb the daemon",
          "[integration][errors][protocol]") {
  Daemon d;
  std::string id = d.run_detached({"--name", "bystander", "busybox", "sleep", "1000"});
  int fd = ::open(d.fifo_path().c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(fd >= 0);
  std::string clients = d.run_root() + "/clients";
  std::string not_fifo = clients + "/notfifo";
  ::mkdir(not_fifo.c_str(), 0700);
  ::close(::open((not_fifo + "/f").c_str(), O_CREAT | O_WRONLY, 0600));
  std::string no_reader = clients + "/noreader";
  ::mkdir(no_reader.c_str(), 0700);
  ::mkfifo((no_reader + "/req").c_str(), 0600);
  ::mkfifo((no_reader + "/rep").c_str(), 0600);
  std::vector<std::string> junk{
      "garbage\n",
      "\n",
      "{}\n",
      "[1,2,3]\n",
      "{\"hello\":1}\n",
      "{\"hello\":1,\"requests\":5,\"replies\":[]}\n",
      "{\"hello\":1,\"requests\":\"/etc/passwd\",\"replies\":\"/etc/shadow\"}\n",
      "{\"hello\":1,\"requests\":\"" + clients + "/../asupd.lock\",\"replies\":\"" + clients +
          "/../asupd.lock\"}\n",
      "{\"hello\":1,\"requests\":\"" + not_fifo + "/f\",\"replies\":\"" + not_fifo + "/f\"}\n",
      "{\"hello\":1,\"pid\":1,\"requests\":\"" + no_reader + "/req\",\"replies\":\"" + no_reader +
          "/rep\"}\n",
      std::string("\0\0\0\xff\xfe\n", 6),
  };
  for (auto& line : junk) CHECK(write_all(fd, line, 10));
  // An oversized hello: more than a megabyte without a newline, then more lines.
  CHECK(write_all(fd, std::string((1 << 20) + 4096, 'x'), 30));
  CHECK(write_all(fd, "still no newline", 10));
  CHECK(write_all(fd, "\n{\"broken\": \n", 10));
  ::close(fd);

  check_daemon_still_serves(d);
  CHECK(d.status(id) == "running");
  CHECK(read_text(not_fifo + "/f") == "");
  // A client connecting right after the garbage is served normally.
  auto r = d.run({"exec", "bystander", "echo", "ok"});
  CHECK(r.out == "ok\n");
}

TEST_CASE("garbage inside a client session gets error replies, and the session survives",
          "[integration][errors][protocol]") {
  Daemon d;
  RawClient c(d.run_root());
  for (auto& line : std::vector<std::string>{
           "this is not json\n", "[1,2,3]\n", "42\n", "{\"op\":\"nosuch\"}\n", "{\"op\":5}\n",
           "{\"op\":\"run\",\"image\":5}\n",
           "{\"op\":\"run\",\"image\":\"busybox\",\"cmd\":\"x\"}\n",
           "{\"op\":\"run\",\"image\":\"busybox\",\"memory\":\"lots\"}\n",
           "{\"op\":\"inspect\",\"ids\":\"notalist\"}\n", "{\"op\":\"logs\",\"id\":{}}\n",
           "{\"op\":\"kill\",\"ids\":[\"x\"],\"signal\":[]}\n",
           "{\"op\":\"stop\",\"ids\":[\"x\"],\"timeout\":\"soon\"}\n",
           "{\"op\":\"load\",\"path\":\"relative.tar\"}\n"}) {
    INFO(line);
    REQUIRE(c.send(line));
    auto j = c.reply();
    INFO(j.dump());
    REQUIRE(j.is_object());
    CHECK(j["type"] == "error");
    CHECK(j.contains("message"));
  }
  // A request over the size limit: refused, and the session goes on after its newline.
  REQUIRE(c.send("{\"op\":\"ps\",\"pad\":\"" + std::string(3 << 20, 'p'), 60));
  REQUIRE(c.send("\"}\n"));
  auto j = c.reply(20);
  INFO(j.dump());
  REQUIRE(j.is_object());
  CHECK(j["type"] == "error");
  CHECK_THAT(j.value("message", ""), Contains("too large"));
  REQUIRE(c.send("{\"op\":\"ps\",\"all\":true}\n"));
  j = c.reply(20);
  INFO(j.dump());
  REQUIRE(j.is_object());
  CHECK(j["type"] == "result");
  CHECK(j.contains("containers"));

  check_daemon_still_serves(d);
}

TEST_CASE("clients that vanish mid-request cost the daemon nothing",
          "[integration][errors][protocol]") {
  Daemon d;
  std::string ticker =
      d.run_detached({"busybox", "sh", "-c", "while :; do echo tick; sleep 0.05; done"});

  SECTION("a follower killed mid-stream") {
    auto follower = d.spawn({"logs", "-f", ticker});
    REQUIRE(follower.wait_for([&] { return contains(follower.out(), "tick"); }, 10));
    follower.signal(SIGKILL);
    REQUIRE(follower.wait(5));
    // A follower that stops reading (SIGSTOP) must not block the container either.
    auto stalled = d.spawn({"logs", "-f", ticker});
    REQUIRE(stalled.wait_for([&] { return contains(stalled.out(), "tick"); }, 10));
    stalled.signal(SIGSTOP);
    auto before = d.run({"logs", ticker}).out.size();
    CHECK(eventually([&] { return d.run({"logs", ticker}).out.size() > before + 100; }, 10));
    stalled.signal(SIGKILL);
    stalled.wait(5);
  }
  SECTION("an attached run killed: the container goes on and finishes") {
    auto attached = d.spawn(
        {"run", "--name", "orphan", "busybox", "sh", "-c", "echo started; sleep 1; echo finished"});
    REQUIRE(attached.wait_for([&] { return contains(attached.out(), "started"); }, 10));
    attached.signal(SIGKILL);
    REQUIRE(attached.wait(5));
    REQUIRE(d.wait_status("orphan", "exited"));
    CHECK(d.run({"logs", "orphan"}).out == "started\nfinished\n");
    CHECK(d.inspect("orphan")["State"]["ExitCode"] == 0);
  }
  SECTION("a hand-made client that hangs up halfway through a request") {
    {
      RawClient c(d.run_root());
      REQUIRE(c.send("{\"op\":\"run\",\"image\":\"busybox\",\"cmd\":[\"sleep\""));
    }
    {
      RawClient c(d.run_root());
      REQUIRE(c.send("{\"op\":\"logs\",\"id\":\"" + ticker + "\",\"follow\":true}\n"));
      CHECK(c.read_line(10));
    }
    {
      // Asks for an attached run, then disappears before it ends.
      RawClient c(d.run_root());
      REQUIRE(
          c.send("{\"op\":\"run\",\"image\":\"busybox\",\"name\":\"gone\",\"cmd\":[\"sh\",\"-c\","
                 "\"sleep 1; echo late\"]}\n"));
      CHECK(c.read_line(10));
    }
    REQUIRE(d.wait_status("gone", "exited"));
    CHECK(d.run({"logs", "gone"}).out == "late\n");
  }
  SECTION("a client that connects and never sends anything") {
    RawClient idle(d.run_root());
    check_daemon_still_serves(d);
  }

  check_daemon_still_serves(d);
  CHECK(d.status(ticker) == "running");
  // No session leaked its client directory.
  CHECK(eventually(
      [&] {
        std::error_code ec;
        int n = 0;
        for (auto& e : std::filesystem::directory_iterator(d.run_root() + "/clients", ec)) {
          (void)e;
          ++n;
        }
        return n == 0;
      },
      5));
}
