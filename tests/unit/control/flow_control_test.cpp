// What a client may cost the daemon: the hello's and the requests' types, exceptions out
// of handlers, and the bounded reply queue (backpressure, cut-off, one big reply).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "control/client.hpp"
#include "core/fs.hpp"
#include "echo_server.hpp"

using namespace asup;
using control::test::EchoServer;

namespace {

void write_fifo(const std::string& path, const std::string& bytes) {
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
  REQUIRE(fd);
  REQUIRE(::write(fd.get(), bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A client made by hand, following docs/protocol.md, that may claim any pid.
struct RawClient {
  RawClient(const std::string& run_root, pid_t claimed_pid) {
    dir = run_root + "/clients/c." + std::to_string(::getpid()) + ".raw";
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    REQUIRE(::mkfifo((dir + "/req").c_str(), 0600) == 0);
    REQUIRE(::mkfifo((dir + "/rep").c_str(), 0600) == 0);
    replies.reset(::open((dir + "/rep").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    requests.reset(::open((dir + "/req").c_str(), O_RDWR | O_CLOEXEC));
    REQUIRE(replies);
    REQUIRE(requests);
    nlohmann::json hello{
        {"hello", 1}, {"pid", claimed_pid}, {"requests", dir + "/req"}, {"replies", dir + "/rep"}};
    write_fifo(run_root + "/asupd.fifo", hello.dump() + "\n");
    REQUIRE(nlohmann::json::parse(line())["type"] == "hello");
  }
  std::string line() {
    for (;;) {
      auto nl = buffer.find('\n');
      if (nl != std::string::npos) {
        std::string l = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        return l;
      }
      pollfd pfd{replies.get(), POLLIN, 0};
      REQUIRE(::poll(&pfd, 1, 10000) == 1);
      char chunk[4096];
      ssize_t n = ::read(replies.get(), chunk, sizeof chunk);
      REQUIRE(n > 0);
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }
  std::string dir, buffer;
  UniqueFd requests, replies;
};

// Makes the client's request descriptor write-only, so that once the daemon closes its
// read end the client's writes fail with EPIPE: that is how it notices being cut off.
void drop_own_reader(control::Client& client) {
  std::string self = "/proc/self/fd/" + std::to_string(client.request_fd());
  UniqueFd writer{::open(self.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)};
  REQUIRE(writer);
  REQUIRE(::dup3(writer.get(), client.request_fd(), O_CLOEXEC) == client.request_fd());
}

// Writes `count` ps-like requests without reading a reply, until they are all written or
// the daemon hangs up (EPIPE). Returns how many went, and whether it hung up.
std::pair<std::size_t, bool> flood(int fd, std::size_t count, double timeout_seconds) {
  const std::string one = "{\"op\":\"x\"}\n";
  std::string batch;
  for (int i = 0; i < 256; ++i) batch += one;
  std::size_t sent_bytes = 0, total = count * one.size();
  auto start = std::chrono::steady_clock::now();
  while (sent_bytes < total && seconds_since(start) < timeout_seconds) {
    std::size_t offset = sent_bytes % batch.size();
    std::size_t len = std::min(batch.size() - offset, total - sent_bytes);
    ssize_t n = ::write(fd, batch.data() + offset, len);
    if (n > 0) {
      sent_bytes += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EPIPE) return {sent_bytes / one.size(), true};
    REQUIRE((n < 0 && errno == EAGAIN));
    pollfd pfd{fd, POLLOUT, 0};
    ::poll(&pfd, 1, 1000);
  }
  return {sent_bytes / one.size(), false};
}

}  // namespace

TEST_CASE("hellos whose pid is not a number are dropped and the server keeps accepting",
          "[control][hello]") {
  EchoServer srv;
  std::string clients = srv.dir + "/clients";
  for (std::string pid : {"\"x\"", "null", "[]", "{}", "1.5", "-1"}) {
    write_fifo(srv.dir + "/asupd.fifo", "{\"hello\":1,\"pid\":" + pid + ",\"requests\":\"" +
                                            clients + "/c.1.a/req\",\"replies\":\"" + clients +
                                            "/c.1.a/rep\"}\n");
  }
  auto client = control::Client::connect(srv.dir);
  REQUIRE(client);
  REQUIRE(client.value().send({{"op", "ping"}}));
  auto reply = client.value().receive();
  REQUIRE(reply);
  CHECK(reply.value().header["type"] == "result");
}

TEST_CASE("a stray write without a newline does not cost the next client its hello",
          "[control][hello]") {
  EchoServer srv;
  for (std::string junk :
       std::vector<std::string>{"garbage", std::string(10000, 'g'), "{\"hello\":1,"}) {
    INFO("junk of " << junk.size() << " bytes");
    write_fifo(srv.dir + "/asupd.fifo", junk);
    auto start = std::chrono::steady_clock::now();
    auto client = control::Client::connect(srv.dir);
    REQUIRE(client);
    CHECK(seconds_since(start) < 5);
    REQUIRE(client.value().send({{"op", "ping"}}));
    auto reply = client.value().receive();
    REQUIRE(reply);
    CHECK(reply.value().header["type"] == "result");
  }
}

TEST_CASE("requests that are not objects with a string op get errors", "[control]") {
  EchoServer srv;
  auto client = control::Client::connect(srv.dir);
  REQUIRE(client);
  std::string lines = "{\"type\":\"ps\"}\n{\"op\":5}\n{\"op\":null}\n";
  REQUIRE(::write(client.value().request_fd(), lines.data(), lines.size()) ==
          static_cast<ssize_t>(lines.size()));
  for (std::string why : {"no \"op\"", "\"op\" is not a string", "\"op\" is not a string"}) {
    auto r = client.value().receive();
    REQUIRE(r);
    CHECK(r.value().header["type"] == "error");
    CHECK(r.value().header["message"] == "malformed request: " + why);
  }
  CHECK(srv.handled == 0);
}

TEST_CASE("an exception out of a handler is answered and the session carries on", "[control]") {
  EchoServer srv;
  auto client = control::Client::connect(srv.dir);
  REQUIRE(client);
  REQUIRE(client.value().send({{"op", "throw"}}));
  auto r = client.value().receive();
  REQUIRE(r);
  CHECK(r.value().header["type"] == "error");
  CHECK(r.value().header["exit"] == 125);
  CHECK(r.value().header["message"] == "internal error in request \"throw\": handler blew up");
  REQUIRE(client.value().send({{"op", "ping"}}));
  auto ok = client.value().receive();
  REQUIRE(ok);
  CHECK(ok.value().header["type"] == "result");
}

TEST_CASE("a client that sends without reading is cut off and told why", "[control][flow]") {
  ::signal(SIGPIPE, SIG_IGN);
  control::SessionLimits limits;
  limits.pause_reading_at = 4 << 10;
  limits.stall_timeout = std::chrono::milliseconds(300);
  SECTION("past the bound of unread replies") {
    limits.max_queued_replies = 64 << 10;
  }
  SECTION("stalled while its requests are not read") {}
  EchoServer srv(limits);
  auto client = control::Client::connect(srv.dir);
  REQUIRE(client);
  drop_own_reader(client.value());
  auto [sent, hung_up] = flood(client.value().request_fd(), 200000, 20);
  REQUIRE(hung_up);
  // Backpressure: the daemon stopped reading long before the end of the flood.
  CHECK(srv.handled < 100000);
  CHECK(sent < 200000);
  // Every reply it sent arrives whole, then the reason.
  std::size_t results = 0;
  nlohmann::json last;
  for (;;) {
    auto msg = client.value().receive();
    if (!msg) break;  // EOF: the daemon hung up
    last = msg.value().header;
    if (last["type"] == "result") ++results;
  }
  CHECK(last["type"] == "error");
  CHECK(last["message"] == protocol::kCutOffMessage);
  CHECK(results > 0);
  CHECK(results <= srv.handled);
}

TEST_CASE("a client that reads its replies is paced, never cut off", "[control][flow]") {
  control::SessionLimits limits;
  limits.pause_reading_at = 4 << 10;
  limits.stall_timeout = std::chrono::milliseconds(300);
  EchoServer srv(limits);
  auto client = control::Client::connect(srv.dir);
  REQUIRE(client);
  const std::size_t count = 50000;
  int fd = client.value().request_fd();
  std::thread writer([&] {
    std::string line = "{\"op\":\"x\"}\n", all;
    for (std::size_t i = 0; i < count; ++i) all += line;
    std::string_view rest = all;
    while (!rest.empty()) {
      ssize_t n = ::write(fd, rest.data(), rest.size());
      if (n <= 0) break;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
  });
  std::size_t results = 0;
  while (results < count) {
    auto msg = client.value().receive();
    if (!msg) break;
    if (msg.value().header["type"] != "result") break;
    ++results;
  }
  writer.join();
  CHECK(results == count);
  CHECK(srv.handled == count);
}

TEST_CASE("one reply larger than the bound is delivered whole", "[control][flow]") {
  control::SessionLimits limits;
  limits.max_queued_replies = 64 << 10;
  EchoServer srv(limits);
  srv.big_bytes = 3 << 20;
  auto client = control::Client::connect(srv.dir);
  REQUIRE(client);
  REQUIRE(client.value().send({{"op", "big"}}));
  auto big = client.value().receive();
  REQUIRE(big);
  CHECK(big.value().header["big"].get<std::string>().size() == srv.big_bytes);
  REQUIRE(client.value().send({{"op", "ping"}}));
  auto ok = client.value().receive();
  REQUIRE(ok);
  CHECK(ok.value().header["type"] == "result");
}

TEST_CASE("the client pid is trusted only when that process holds the request FIFO",
          "[control][peer]") {
  EchoServer srv;
  auto client = control::Client::connect(srv.dir);
  REQUIRE(client);
  REQUIRE(client.value().send({{"op", "pidfd"}}));
  auto genuine = client.value().receive();
  REQUIRE(genuine);
  CHECK(genuine.value().header["verified"] == true);

  // A hello claiming another process: asupd must not take that process's descriptors.
  pid_t other = ::fork();
  if (other == 0) {
    ::pause();
    ::_exit(0);
  }
  {
    RawClient forged(srv.dir, other);
    std::string req = "{\"op\":\"pidfd\"}\n";
    REQUIRE(::write(forged.requests.get(), req.data(), req.size()) ==
            static_cast<ssize_t>(req.size()));
    auto reply = nlohmann::json::parse(forged.line());
    CHECK(reply["verified"] == false);
    CHECK(reply["error"].get<std::string>().find("does not hold") != std::string::npos);
  }
  ::kill(other, SIGKILL);
  ::waitpid(other, nullptr, 0);
}
