// Keys and bytes for a container's (or an exec's) stdin, as input requests bring them:
// written on the loop in order, never blocking it, into the pty master of a terminal or
// the write end of a detached `-i` container's stdin pipe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::engine {

// Input nobody reads is held up to this much; more is dropped (and logged), so a client
// typing into a stuck container cannot grow asupd without bound.
inline constexpr std::size_t kMaxQueuedInput = 4 << 20;

class StdinWriter : public std::enable_shared_from_this<StdinWriter> {
 public:
  StdinWriter(boost::asio::io_context& io, UniqueFd fd, std::string what);
  void write(std::string bytes);
  // A pipe's reader sees EOF once everything queued is written.
  void close_after_writes();
  // A terminal's new size (TIOCSWINSZ on the master).
  Status resize(std::uint32_t rows, std::uint32_t cols);
  void close();

 private:
  void write_next();

  boost::asio::posix::stream_descriptor desc_;
  std::string what_;  // "container ID", for the log
  std::deque<std::string> queue_;
  std::size_t queued_ = 0;
  bool writing_ = false;
  bool closing_ = false;
};

}  // namespace asup::engine
