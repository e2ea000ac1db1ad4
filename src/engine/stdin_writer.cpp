#include "engine/stdin_writer.hpp"

#include <sys/ioctl.h>
#include <termios.h>

#include <spdlog/spdlog.h>
#include <boost/asio/write.hpp>

namespace asup::engine {

StdinWriter::StdinWriter(boost::asio::io_context& io, UniqueFd fd, std::string what)
    : desc_(io, fd.release()), what_(std::move(what)) {
  boost::system::error_code ec;
  desc_.non_blocking(true, ec);
}

void StdinWriter::write(std::string bytes) {
  if (closing_ || !desc_.is_open() || bytes.empty()) return;
  if (queued_ + bytes.size() > kMaxQueuedInput) {
    spdlog::warn("{}: {} bytes of input dropped: its stdin is not being read", what_, bytes.size());
    return;
  }
  queued_ += bytes.size();
  queue_.push_back(std::move(bytes));
  if (!writing_) write_next();
}

void StdinWriter::close_after_writes() {
  closing_ = true;
  if (!writing_) close();
}

Status StdinWriter::resize(std::uint32_t rows, std::uint32_t cols) {
  if (!desc_.is_open()) return fail(EBADF, what_ + ": no terminal");
  struct winsize size {};
  size.ws_row = static_cast<unsigned short>(rows);
  size.ws_col = static_cast<unsigned short>(cols);
  if (::ioctl(desc_.native_handle(), TIOCSWINSZ, &size) != 0)
    return fail_errno(what_ + ": resize the terminal");
  return ok();
}

void StdinWriter::close() {
  boost::system::error_code ec;
  desc_.close(ec);
  queue_.clear();
  queued_ = 0;
}

void StdinWriter::write_next() {
  if (queue_.empty() || !desc_.is_open()) {
    writing_ = false;
    if (closing_) close();
    return;
  }
  writing_ = true;
  boost::asio::async_write(
      desc_, boost::asio::buffer(queue_.front()),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        if (!self->queue_.empty()) {
          self->queued_ -= self->queue_.front().size();
          self->queue_.pop_front();
        }
        if (ec) {
          // The reader is gone (the workload exited): what is left has nowhere to go.
          self->writing_ = false;
          self->close();
          return;
        }
        self->write_next();
      });
}

}  // namespace asup::engine
