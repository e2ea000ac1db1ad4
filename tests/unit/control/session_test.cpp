// The control protocol end to end inside one process: a FifoServer on a temp run root,
// real FIFOs, and the Client asupctl uses.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "control/client.hpp"
#include "core/fs.hpp"
#include "echo_server.hpp"

using namespace asup;

using control::test::EchoServer;

TEST_CASE("a client connects, sends requests and reads JSON replies", "[control]") {
  EchoServer srv;
  auto client = control::Client::connect(srv.dir);
  REQUIRE(client);
  REQUIRE(client.value().send({{"op", "ping"}, {"n", 1}}));
  auto reply = client.value().receive();
  REQUIRE(reply);
  CHECK(reply.value().header["echo"]["n"] == 1);
  // The private FIFOs are gone as soon as the session is up.
  auto left = fs::list_dir(fs::join(srv.dir, "clients"));
  REQUIRE(left);
  CHECK(left.value().empty());
}

TEST_CASE("output frames carry raw bytes, NULs included", "[control]") {
  EchoServer srv;
  auto client = control::Client::connect(srv.dir);
  REQUIRE(client);
  REQUIRE(client.value().send({{"op", "output"}}));
  auto frame = client.value().receive();
  REQUIRE(frame);
  CHECK(frame.value().header["stream"] == "stderr");
  CHECK(frame.value().header["time"] == 42);
  CHECK(frame.value().payload == std::string("bytes\n\0x", 8));
  auto done = client.value().receive();
  REQUIRE(done);
  CHECK(done.value().header["type"] == "result");
}

TEST_CASE("malformed and oversized requests get errors, and the session survives", "[control]") {
  EchoServer srv;
  auto client = control::Client::connect(srv.dir);
  REQUIRE(client);
  int fd = client.value().request_fd();
  std::string garbage = "this is not json\n[1,2]\n";
  REQUIRE(::write(fd, garbage.data(), garbage.size()) == static_cast<ssize_t>(garbage.size()));
  for (int i = 0; i < 2; ++i) {
    auto r = client.value().receive();
    REQUIRE(r);
    CHECK(r.value().header["type"] == "error");
    CHECK(r.value().header["exit"] == 125);
  }
  std::string big(2 << 20, 'x');
  big += "\n";
  std::thread writer([&] {
    std::string_view rest = big;
    while (!rest.empty()) {
      ssize_t n = ::write(fd, rest.data(), rest.size());
      if (n <= 0) break;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
  });
  auto r = client.value().receive();
  writer.join();
  REQUIRE(r);
  CHECK(r.value().header["message"].get<std::string>().find("too large") != std::string::npos);
  REQUIRE(client.value().send({{"op", "still-there"}}));
  auto ok = client.value().receive();
  REQUIRE(ok);
  CHECK(ok.value().header["type"] == "result");
}

TEST_CASE("connecting without a daemon is a clear error", "[control]") {
  char tmpl[] = "/tmp/asup-control-none.XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  auto client = control::Client::connect(dir);
  REQUIRE_FALSE(client);
  CHECK(client.error().message.find("is asupd running?") != std::string::npos);
  (void)fs::remove_tree(dir);
}

TEST_CASE("bad hellos are dropped and the server keeps accepting", "[control]") {
  EchoServer srv;
  std::string fifo = fs::join(srv.dir, "asupd.fifo");
  int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  std::string junk =
      "garbage\n{\"hello\":1,\"requests\":\"/etc/passwd\",\"replies\":\"/etc/shadow\"}\n";
  REQUIRE(::write(fd, junk.data(), junk.size()) > 0);
  std::string big(10000, 'y');
  REQUIRE(::write(fd, big.data(), big.size()) > 0);
  REQUIRE(::write(fd, "\n", 1) == 1);
  ::close(fd);
  auto client = control::Client::connect(srv.dir);
  REQUIRE(client);
  REQUIRE(client.value().send({{"op", "ping"}}));
  auto reply = client.value().receive();
  REQUIRE(reply);
  CHECK(reply.value().header["type"] == "result");
}

TEST_CASE("a paced sender loses nothing to a client that reads late", "[control]") {
  EchoServer srv;
  auto client = control::Client::connect(srv.dir);
  REQUIRE(client);
  REQUIRE(client.value().send({{"op", "paced"}}));
  // The FIFO fills and the session queues while nobody reads: more than the 8 MiB a live
  // follower may fall behind, were it not paced.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::size_t bytes = 0;
  for (;;) {
    auto msg = client.value().receive();
    REQUIRE(msg);
    auto type = msg.value().header.value("type", "");
    if (type == "result") break;
    REQUIRE(type == "output");
    CHECK(msg.value().header["time"] == 7);
    CHECK(msg.value().payload.find_first_not_of('p') == std::string::npos);
    bytes += msg.value().payload.size();
  }
  CHECK(bytes == std::size_t{24} << 20);
}
