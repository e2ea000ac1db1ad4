// One connected client: requests arrive as JSON lines on its request FIFO, replies leave
// as JSON lines (and raw output bytes after an "output" header) on its reply FIFO.
// A client that vanishes shows up as EOF or EPIPE; the session then closes and runs its
// close callbacks so whatever the client was attached to lets go of it.
#pragma once

#include <sys/types.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "asup/unique_fd.hpp"
#include "control/line_splitter.hpp"

namespace asup::control {

// Grows a pipe or FIFO to fs.pipe-max-size, so a fast writer and reader meet in fewer,
// larger system calls. Best effort: a pipe that cannot grow keeps its size.
void grow_pipe(int fd);

class Session : public std::enable_shared_from_this<Session> {
 public:
  using RequestFn = std::function<void(const std::shared_ptr<Session>&, const nlohmann::json&)>;

  Session(boost::asio::io_context& io, UniqueFd requests, UniqueFd replies, pid_t client_pid,
          std::uint64_t serial);
  void start(RequestFn on_request);

  void send(const nlohmann::json& message);
  // {"type":"error","exit":CODE,"message":...}
  void send_error(int exit_code, const std::string& message);
  // {"type":"output","stream":"stdout","time":NS,"len":N} followed by N bytes. When the
  // client is too far behind, output is skipped and a notice tells it how much.
  void send_output(const char* stream, std::int64_t time_ns, std::string_view bytes);
  // Bytes accepted but not yet handed to the kernel: the client's FIFO is full.
  std::size_t queued_bytes() const { return queued_bytes_; }
  // Runs `callback` once, when nothing is queued any more (at once if nothing is), so a
  // sender that must not skip can pace itself by the client. Never runs after close().
  void on_drained(std::function<void()> callback);
  void on_close(std::function<void()> callback);
  void close();

  bool closed() const { return closed_; }
  pid_t client_pid() const { return client_pid_; }
  std::uint64_t serial() const { return serial_; }

 private:
  void read_more();
  void report_skipped();
  void enqueue(std::string_view head, std::string_view body);
  // Writes what the FIFO takes without waiting; returns how much of head + body went.
  std::size_t write_now(std::string_view head, std::string_view body);
  void write_more();
  void drained();
  void fail_later();

  boost::asio::posix::stream_descriptor requests_;
  boost::asio::posix::stream_descriptor replies_;
  pid_t client_pid_;
  std::uint64_t serial_;
  RequestFn on_request_;
  LineSplitter splitter_;
  std::vector<char> read_buf_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t skipped_bytes_ = 0;
  // A frame buffer kept between writes while a paced sender waits for the FIFO to drain:
  // reusing it spares a fresh allocation (and its page faults) per FIFO-full of output.
  std::string spare_;
  bool writing_ = false;
  bool closed_ = false;
  bool failed_ = false;  // a direct write failed; close() is posted
  bool grown_ = false;
  std::vector<std::function<void()>> close_callbacks_;
  std::vector<std::function<void()>> drained_callbacks_;
};

}  // namespace asup::control
