// The control channel against broken and hostile clients (issue #11, items 2, 6, 7, 10):
// hellos of the wrong types, stray bytes on the accept FIFO, symlinks in the clients dir,
// clients killed at any moment, forged pids, and a client that floods requests without
// reading its replies. After each, asupd is alive and answers `asupctl ps` at once.
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
#include <random>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One write on the accept FIFO, as `echo ... > RUN_ROOT/asupd.fifo` does it.
void write_accept_fifo(Daemon& d, const std::string& bytes) {
  int fd = ::open(d.fifo_path().c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(fd >= 0);
  CHECK(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

void check_alive_and_answering(Daemon& d) {
  int status;
  REQUIRE(::waitpid(d.daemon_pid(), &status, WNOHANG) == 0);  // asupd did not die
  auto r = d.run({"ps"}, "", 20);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.seconds < 5);
}

std::vector<std::string> client_dir_entries(Daemon& d) {
  std::vector<std::string> names;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(d.run_root() + "/clients", ec))
    names.push_back(e.path().filename());
  return names;
}

bool is_fifo(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// A dir holding req and rep as a client makes them.
void make_fifo_dir(const std::string& dir) {
  REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
  REQUIRE(::mkfifo((dir + "/req").c_str(), 0600) == 0);
  REQUIRE(::mkfifo((dir + "/rep").c_str(), 0600) == 0);
}

std::string hello_line(pid_t pid, const std::string& dir) {
  return nlohmann::json{
             {"hello", 1}, {"pid", pid}, {"requests", dir + "/req"}, {"replies", dir + "/rep"}}
             .dump() +
         "\n";
}

std::size_t vm_rss_kib(pid_t pid) {
  for (const auto& line : lines(read_text("/proc/" + std::to_string(pid) + "/status")))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  return 0;
}

// A client made by hand following docs/protocol.md, free to claim any pid and to never
// read its replies.
class HandClient {
 public:
  HandClient(Daemon& d, pid_t claimed_pid) {
    std::string pattern = d.run_root() + "/clients/c." + std::to_string(::getpid()) + ".XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    std::string dir = pattern;
    REQUIRE(::mkfifo((dir + "/req").c_str(), 0600) == 0);
    REQUIRE(::mkfifo((dir + "/rep").c_str(), 0600) == 0);
    rep_ = ::open((dir + "/rep").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    req_ = ::open((dir + "/req").c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(rep_ >= 0);
    REQUIRE(req_ >= 0);
    write_accept_fifo(d, hello_line(claimed_pid, dir));
    auto first = reply(10);
    REQUIRE(first.is_object());
    REQUIRE(first["type"] == "hello");
  }
  ~HandClient() {
    if (req_ >= 0) ::close(req_);
    if (rep_ >= 0) ::close(rep_);
  }
  int request_fd() const { return req_; }
  // Swaps the read-write request descriptor for a write-only one: once asupd closes its
  // read end, writes fail with EPIPE.
  void write_only() {
    int w = ::open(("/proc/self/fd/" + std::to_string(req_)).c_str(),
                   O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(w >= 0);
    ::close(req_);
    req_ = w;
  }
  void send(const std::string& line) {
    REQUIRE(::write(req_, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  }
  // The next line; nullopt at EOF (asupd closed the session) or after the timeout.
  std::optional<std::string> read_line(double timeout_seconds) {
    auto start = Clock::now();
    for (;;) {
      auto nl = buffer_.find('\n', scanned_);
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        scanned_ = 0;
        return line;
      }
      scanned_ = buffer_.size();
      if (since(start) > timeout_seconds) return std::nullopt;
      pollfd p{rep_, POLLIN, 0};
      ::poll(&p, 1, 200);
      char chunk[65536];
      ssize_t n = ::read(rep_, chunk, sizeof chunk);
      if (n > 0) buffer_.append(chunk, static_cast<std::size_t>(n));
      if (n == 0) return std::nullopt;
    }
  }
  nlohmann::json reply(double timeout_seconds) {
    auto line = read_line(timeout_seconds);
    if (!line) return nlohmann::json(nlohmann::json::value_t::discarded);
    return nlohmann::json::parse(*line, nullptr, false);
  }

 private:
  int req_ = -1, rep_ = -1;
  std::string buffer_;
  std::size_t scanned_ = 0;
};

// A process of the test's own that idles until killed: someone whose pid a forged hello
// may claim.
struct Bystander {
  Bystander() {
    pid = ::fork();
    if (pid == 0) {
      ::pause();
      ::_exit(0);
    }
    REQUIRE(pid > 0);
  }
  ~Bystander() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  pid_t pid;
};

}  // namespace

TEST_CASE("a hello whose pid is not an integer does not take asupd down",
          "[integration][control]") {
  Daemon d(Daemon::Options{.load_busybox = false});
  std::string dir = d.run_root() + "/clients/c.1.x";
  for (std::string pid : {"\"x\"", "null", "[]", "{}"}) {
    INFO("pid " << pid);
    // The reproduction of the issue, word for word, then with paths a client could use.
    write_accept_fifo(d, "{\"pid\":" + pid + ",\"requests\":\"a\",\"replies\":\"b\"}\n");
    check_alive_and_answering(d);
    write_accept_fifo(d, "{\"hello\":1,\"pid\":" + pid + ",\"requests\":\"" + dir +
                             "/req\",\"replies\":\"" + dir + "/rep\"}\n");
    check_alive_and_answering(d);
  }
  CHECK_THAT(read_text(d.log_path()), Contains("\"pid\" is not an integer"));
}

TEST_CASE("bytes without a newline on the accept FIFO cost the next client nothing",
          "[integration][control]") {
  Daemon d(Daemon::Options{.load_busybox = false});
  for (std::string junk : {std::string("garbage"), std::string("{\"hello\":1,"),
                           std::string(3000, '{'), std::string(20000, 'g')}) {
    INFO(junk.size() << " bytes of junk");
    // printf garbage > RUN_ROOT/asupd.fifo; asupctl ps
    write_accept_fifo(d, junk);
    auto r = d.run({"ps"}, "", 40);
    INFO(r);
    CHECK(r.code == 0);
    CHECK(r.seconds < 5);
  }
  check_alive_and_answering(d);
}

TEST_CASE("nothing is followed through a symlink in the clients dir", "[integration][control]") {
  Daemon d(Daemon::Options{.load_busybox = false});
  std::string outside = d.dir() + "/outside";
  make_fifo_dir(outside);
  // A reader on the outside reply FIFO: were asupd to follow the link, its open would
  // succeed and the hello reply would land here.
  int reader = ::open((outside + "/rep").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(reader >= 0);
  std::string clients = d.run_root() + "/clients";

  SECTION("a client dir that is a symlink") {
    std::string link = clients + "/c." + std::to_string(::getpid()) + ".lnk";
    REQUIRE(::symlink(outside.c_str(), link.c_str()) == 0);
    write_accept_fifo(d, hello_line(::getpid(), link));
    // Once asupd has dealt with the hello, the link is gone.
    CHECK(eventually([&] { return !exists(link); }, 10));
  }
  SECTION("FIFO names that are symlinks") {
    std::string dir = clients + "/c." + std::to_string(::getpid()) + ".sym";
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    REQUIRE(::symlink((outside + "/req").c_str(), (dir + "/req").c_str()) == 0);
    REQUIRE(::symlink((outside + "/rep").c_str(), (dir + "/rep").c_str()) == 0);
    write_accept_fifo(d, hello_line(::getpid(), dir));
    CHECK(eventually([&] { return !exists(dir); }, 10));
  }
  // What the links pointed to is untouched, and nobody wrote to it.
  CHECK(is_fifo(outside + "/req"));
  CHECK(is_fifo(outside + "/rep"));
  char byte;
  CHECK(::read(reader, &byte, 1) <= 0);
  ::close(reader);
  check_alive_and_answering(d);
}

TEST_CASE("clients killed at any moment leave no dir behind", "[integration][control]") {
  Daemon d(Daemon::Options{.load_busybox = false});
  std::mt19937 random(std::random_device{}());
  // asupctl ps takes a few milliseconds from exec to exit: kill points spread over that
  // span land before, during and after the hello.
  std::uniform_int_distribution<int> delay_us(0, 8000);
  for (int i = 0; i < 50; ++i) {
    auto client = d.spawn({"ps"});
    auto kill_at = Clock::now() + std::chrono::microseconds(delay_us(random));
    while (Clock::now() < kill_at && !client.exited()) client.pump(0);
    client.signal(SIGKILL);
    REQUIRE(client.wait(10));
  }
  // A dir is removed when asupd meets its hello, or when it looks the clients dir over
  // (on the back of the next hellos) and finds its client gone.
  CHECK(eventually(
      [&] {
        check_alive_and_answering(d);
        return client_dir_entries(d).empty();
      },
      20));
  INFO("left: " << client_dir_entries(d).size());
}

TEST_CASE("dirs left in the clients dir before asupd starts are removed at start",
          "[integration][control]") {
  Daemon d(Daemon::Options{.load_busybox = false});
  d.stop_daemon();
  std::string clients = d.run_root() + "/clients";
  std::string outside = d.dir() + "/outside";
  make_fifo_dir(outside);
  make_fifo_dir(clients + "/c." + std::to_string(::getpid()) + ".left");
  make_fifo_dir(clients + "/c.abcdef");
  REQUIRE(::symlink(outside.c_str(), (clients + "/c.1.lnk").c_str()) == 0);
  d.start_daemon();
  CHECK(client_dir_entries(d).empty());
  CHECK(is_fifo(outside + "/req"));
  CHECK(is_fifo(outside + "/rep"));
  check_alive_and_answering(d);
}

TEST_CASE("asupd takes descriptors only from the process holding the session",
          "[integration][control]") {
  Daemon d;
  std::string id = d.run_detached({"busybox", "sleep", "1000"});
  REQUIRE(d.wait_status(id, "running"));
  Bystander other;
  HandClient forged(d, other.pid);
  forged.send(nlohmann::json{{"op", "exec"}, {"id", id}, {"cmd", {"echo", "stolen"}}}.dump() +
              "\n");
  auto reply = forged.reply(20);
  INFO(reply.dump());
  REQUIRE(reply.is_object());
  CHECK(reply["type"] == "error");
  CHECK_THAT(reply.value("message", ""), Contains("does not hold this session's request FIFO"));
  // The genuine client is served.
  auto r = d.run({"exec", id, "echo", "mine"});
  INFO(r);
  CHECK(r.out == "mine\n");
  CHECK(r.code == 0);
  check_alive_and_answering(d);
}

TEST_CASE("a client that floods requests without reading is cut off and costs nothing after",
          "[integration][control]") {
  ::signal(SIGPIPE, SIG_IGN);
  Daemon d(Daemon::Options{.load_busybox = false});
  for (int i = 0; i < 5; ++i) check_alive_and_answering(d);
  std::size_t baseline = vm_rss_kib(d.daemon_pid());
  REQUIRE(baseline > 0);
  {
    HandClient flood(d, ::getpid());
    flood.write_only();
    const std::string one = "{\"op\":\"ps\"}\n";
    std::string batch;
    for (int i = 0; i < 1000; ++i) batch += one;
    const std::size_t total = 200000 * one.size();
    std::size_t sent = 0;
    bool hung_up = false;
    auto start = Clock::now();
    while (sent < total && !hung_up && since(start) < 60) {
      std::size_t offset = sent % batch.size();
      ssize_t n = ::write(flood.request_fd(), batch.data() + offset,
                          std::min(batch.size() - offset, total - sent));
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EPIPE) {
        hung_up = true;
      } else {
        REQUIRE((n < 0 && errno == EAGAIN));
        pollfd p{flood.request_fd(), POLLOUT, 0};
        ::poll(&p, 1, 1000);
      }
    }
    INFO("sent " << sent / one.size() << " requests");
    REQUIRE(hung_up);
    // The replies it was sent arrive whole, and the last line says why it was cut off.
    nlohmann::json last;
    std::size_t results = 0;
    while (auto line = flood.read_line(20)) {
      last = nlohmann::json::parse(*line, nullptr, false);
      REQUIRE(last.is_object());
      if (last["type"] == "result") ++results;
    }
    CHECK(results > 0);
    CHECK(last["type"] == "error");
    CHECK(last["message"] == "asupd: client stopped reading its replies");
    check_alive_and_answering(d);
  }
  // The memory the flood took goes back to the system once the client is gone.
  std::size_t now = 0;
  CHECK(eventually(
      [&] {
        now = vm_rss_kib(d.daemon_pid());
        return now <= baseline + 10 * 1024;
      },
      10));
  INFO("VmRSS " << baseline << " kB before, " << now << " kB after");
  CHECK_THAT(read_text(d.log_path()), Contains("cut off"));
}
