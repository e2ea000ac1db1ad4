// A FifoServer on a temp run root, its loop on a thread of its own, answering requests:
// "paced" with 24 MiB of output at the client's pace, "output" with one output frame,
// "throw" by throwing, "big" with one reply of `big_bytes`, "pidfd" with whether the
// session's client pid could be verified, anything else with an echo.
#pragma once

#include <stdlib.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <thread>

#include "control/fifo_server.hpp"
#include "core/fs.hpp"

namespace asup::control::test {

// Sends `left` chunks of output no faster than the client reads: whenever the session
// queues, it waits for on_drained.
struct Pacer : std::enable_shared_from_this<Pacer> {
  std::weak_ptr<Session> session;
  int left = 0;
  std::string chunk;
  void run() {
    auto s = session.lock();
    if (!s) return;
    while (left > 0) {
      if (s->queued_bytes() > 0) {
        s->on_drained([self = shared_from_this()] { self->run(); });
        return;
      }
      s->send_output("stdout", 7, chunk);
      --left;
    }
    s->send({{"type", "result"}});
  }
};

struct EchoServer {
  explicit EchoServer(SessionLimits limits = {}) {
    char tmpl[] = "/tmp/asup-control-test.XXXXXX";
    dir = ::mkdtemp(tmpl);
    server = std::make_unique<FifoServer>(
        io, dir,
        [this](const std::shared_ptr<Session>& s, const Request& request) {
          ++handled;
          const nlohmann::json& req = request.body;
          const std::string& op = request.op;
          if (op == "paced") {
            auto pacer = std::make_shared<Pacer>();
            pacer->session = s;
            pacer->left = 24;
            pacer->chunk = std::string(1 << 20, 'p');
            pacer->run();
          } else if (op == "output") {
            s->send_output("stderr", 42, std::string("bytes\n\0x", 8));
            s->send({{"type", "result"}});
          } else if (op == "throw") {
            throw std::runtime_error("handler blew up");
          } else if (op == "big") {
            s->send({{"type", "result"}, {"big", std::string(big_bytes, 'b')}});
          } else if (op == "pidfd") {
            auto pidfd = s->client_pidfd();
            s->send({{"type", "result"},
                     {"verified", bool(pidfd)},
                     {"error", pidfd ? "" : pidfd.error().message}});
          } else {
            s->send({{"type", "result"}, {"echo", req}});
          }
        },
        limits);
    REQUIRE(server->start());
    thread = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io);
      io.run();
    });
  }
  ~EchoServer() {
    io.stop();
    thread.join();
    server.reset();
    (void)fs::remove_tree(dir);
  }
  boost::asio::io_context io;
  std::string dir;
  std::size_t big_bytes = 0;
  std::atomic<std::size_t> handled{0};
  std::unique_ptr<FifoServer> server;
  std::thread thread;
};

}  // namespace asup::control::test
