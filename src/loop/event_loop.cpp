#include "loop/event_loop.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

namespace asup::loop {

Status EventLoop::block_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return fail_errno("sigprocmask");
  ::signal(SIGPIPE, SIG_IGN);
  return ok();
}

EventLoop::EventLoop(std::size_t workers) : pool_(workers) {}

EventLoop::~EventLoop() {
  pool_.stop();
  pool_.join();
}

const char* EventLoop::backend() const {
#if defined(BOOST_ASIO_HAS_IO_URING) && defined(BOOST_ASIO_DISABLE_EPOLL)
  return "io_uring";
#else
  return "epoll";
#endif
}

Status EventLoop::watch_signals(SignalHandler handler) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) return fail_errno("signalfd");
  signal_fd_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
  signal_handler_ = std::move(handler);
  arm_signals();
  return ok();
}

void EventLoop::arm_signals() {
  signal_fd_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this](const boost::system::error_code& ec) {
                           if (ec) return;
                           signalfd_siginfo info;
                           while (::read(signal_fd_->native_handle(), &info, sizeof info) ==
                                  static_cast<ssize_t>(sizeof info)) {
                             signal_handler_(info);
                           }
                           if (signal_fd_) arm_signals();
                         });
}

void EventLoop::run() {
  io_.run();
}

void EventLoop::stop() {
  io_.stop();
}

PidfdWatch::PidfdWatch(boost::asio::io_context& io, UniqueFd pidfd) : desc_(io, pidfd.release()) {}

void PidfdWatch::start(std::function<void()> on_exit) {
  desc_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                   [on_exit = std::move(on_exit)](const boost::system::error_code& ec) {
                     if (!ec) on_exit();
                   });
}

int PidfdWatch::fd() const {
  return const_cast<PidfdWatch*>(this)->desc_.native_handle();
}

void PidfdWatch::cancel() {
  boost::system::error_code ec;
  desc_.cancel(ec);
}

}  // namespace asup::loop
