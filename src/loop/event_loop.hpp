// The daemon's one event loop: a Boost.Asio io_context (io_uring backend unless built
// with ASUP_USE_EPOLL), a signalfd for the signals asupd handles, and a small worker pool
// for work that would block the loop (archive extraction, rm -rf of big trees).
#pragma once

#include <signal.h>
#include <sys/signalfd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::loop {

class EventLoop {
 public:
  using SignalHandler = std::function<void(const signalfd_siginfo&)>;

  // Blocks SIGCHLD, SIGTERM, SIGINT and SIGHUP for the whole process (call before any
  // thread starts so every thread inherits the mask) and ignores SIGPIPE: a client that
  // vanishes must show up as EPIPE, not kill the daemon.
  static Status block_signals();

  explicit EventLoop(std::size_t workers = 2);
  ~EventLoop();

  boost::asio::io_context& io() { return io_; }
  const char* backend() const;  // "io_uring" or "epoll"

  Status watch_signals(SignalHandler handler);
  void run();
  void stop();

  // Runs `work` on the worker pool, then `done(result)` on the loop.
  template <class Work, class Done>
  void offload(Work work, Done done) {
    boost::asio::post(pool_, [this, work = std::move(work), done = std::move(done)]() mutable {
      auto result = work();
      boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
    });
  }

 private:
  void arm_signals();
  boost::asio::io_context io_{1};
  boost::asio::thread_pool pool_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> signal_fd_;
  SignalHandler signal_handler_;
};

// Calls `on_exit` once when the process behind `pidfd` exits (the pidfd turns readable).
// The watch owns the pidfd; destroying it cancels the wait.
class PidfdWatch {
 public:
  PidfdWatch(boost::asio::io_context& io, UniqueFd pidfd);
  void start(std::function<void()> on_exit);
  int fd() const;
  void cancel();

 private:
  boost::asio::posix::stream_descriptor desc_;
};

}  // namespace asup::loop
