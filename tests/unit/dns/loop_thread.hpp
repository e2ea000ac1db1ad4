// An io_context running on a thread of its own, as asupd's loop, so a test can act as a
// client with blocking calls. Everything the server owns is touched on that thread only.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

namespace asup::dns::testing {

class LoopThread {
 public:
  LoopThread() : thread_([this] { io_.run(); }) {}
  ~LoopThread() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }

  boost::asio::io_context& io() { return io_; }

  // Runs `fn` on the loop's thread and returns what it returned.
  template <class Fn>
  auto call(Fn fn) {
    std::promise<decltype(fn())> done;
    boost::asio::post(io_, [&] { done.set_value(fn()); });
    return done.get_future().get();
  }

 private:
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      io_.get_executor()};
  std::thread thread_;
};

// Waits for `condition` to hold, polling; throws after `limit`.
template <class Condition>
void wait_until(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("condition not reached in time");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a poll, not a guess
  }
}

}  // namespace asup::dns::testing
