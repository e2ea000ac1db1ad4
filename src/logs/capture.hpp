// Output capture: the read ends of the containers' stdout/stderr pipes live on the loop,
// and every chunk read goes into the container's log. One set serves every container of
// an asupd: it holds the one read buffer they share.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "asup/unique_fd.hpp"
#include "logs/container_log.hpp"

namespace asup::logs {

// The shared read buffer: as large as the largest pipe, so a full pipe is one read.
inline constexpr std::size_t kReadBuffer = 1 << 20;
// A container writing without pause yields the loop after this much.
inline constexpr std::size_t kReadTurn = 4 << 20;

class CaptureSet {
 public:
  explicit CaptureSet(boost::asio::io_context& io) : io_(io) {}

  // Reads `pipe` into `log` as `stream` until EOF (every writer gone) or a read error, then
  // calls `on_eof`; nothing more happens once the log is gone.
  void start(const std::shared_ptr<ContainerLog>& log, UniqueFd pipe, Stream stream,
             std::function<void()> on_eof);

 private:
  struct Capture;
  void wait(const std::shared_ptr<Capture>& cap);
  // Reads what the pipe holds (bounded per turn, and only while the attached client keeps
  // up); false at EOF.
  bool read(Capture& cap, ContainerLog& log);

  boost::asio::io_context& io_;
  // Allocated by the first capture: one buffer for all (the loop is single-threaded), so
  // an idle container costs no read buffer of its own.
  std::vector<char> buffer_;
};

}  // namespace asup::logs
