// One connected client: requests arrive as JSON lines on its request FIFO, replies leave
// as JSON lines (and raw output bytes after an "output" header) on its reply FIFO.
// A client that vanishes shows up as EOF or EPIPE; the session then closes and runs its
// close callbacks so whatever the client was attached to lets go of it.
//
// What a client may cost the daemon is bounded (docs/protocol.md, "Flow control"): live
// output it does not read is skipped past a limit; while its unread replies pile up, its
// requests are not read (backpressure); a client that goes on sending without reading is
// cut off, told why in a last error line when its FIFO has room for it.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/caller.hpp"
#include "asup/protocol.hpp"
#include "asup/result.hpp"
#include "asup/unique_fd.hpp"
#include "control/line_splitter.hpp"
#include "control/request.hpp"

namespace asup::control {

struct SessionLimits {
  // Live output queued past this is skipped, and the client told how much.
  std::size_t max_queued_output = protocol::kMaxQueuedOutputBytes;
  // Unread replies past this (more than one reply) cut the client off.
  std::size_t max_queued_replies = protocol::kMaxQueuedReplyBytes;
  // No request is read while this much of replies waits.
  std::size_t pause_reading_at = protocol::kPauseReadingBytes;
  // Paused, with requests waiting and nothing read for this long: cut off.
  std::chrono::milliseconds stall_timeout{protocol::kStallTimeoutMs};
  // How long the last words of a cut-off client may wait for room in its FIFO.
  std::chrono::milliseconds farewell_timeout{5000};
};

// Who is at the other end of a session.
struct Peer {
  pid_t pid = 0;  // what its hello claimed
  // Where its request FIFO was, as /proc/PID/fd names it: with the FIFO's inode, what the
  // claim is checked against.
  std::string requests_path;
};

class Session : public api::Caller, public std::enable_shared_from_this<Session> {
 public:
  using RequestFn = std::function<void(const std::shared_ptr<Session>&, const Request&)>;

  Session(boost::asio::io_context& io, UniqueFd requests, UniqueFd replies, Peer peer,
          std::uint64_t serial, SessionLimits limits = {});
  // Handlers get requests that are JSON objects with a string "op"; anything else is
  // answered with an error here. An exception out of a handler is logged and answered
  // with an error: it never reaches the event loop.
  void start(RequestFn on_request);

  void send(const nlohmann::json& message) override;
  // {"type":"output","stream":"stdout","time":NS,"len":N} followed by N bytes. When the
  // client is too far behind, output is skipped and a notice tells it how much.
  void send_output(const char* stream, std::int64_t time_ns, std::string_view bytes) override;
  // Bytes accepted but not yet handed to the kernel: the client's FIFO is full.
  std::size_t queued_bytes() const override { return queued_bytes_; }
  // Runs `callback` once, when nothing is queued any more (at once if nothing is), so a
  // sender that must not skip can pace itself by the client. Never runs after close().
  void on_drained(std::function<void()> callback) override;
  void on_close(std::function<void()> callback) override;
  void close();

  bool closed() const override { return closed_; }
  // The pid the client's hello claimed; see client_pidfd() before trusting it.
  pid_t client_pid() const { return peer_.pid; }
  // A pidfd of the client process, once that process is seen holding this session's
  // request FIFO open (control/peer.hpp); checked on first use, then kept. The session
  // owns the fd.
  Result<int> client_pidfd() override;
  std::uint64_t serial() const override { return serial_; }

 private:
  struct Frame {
    std::string bytes;
    std::size_t reply_bytes = 0;  // how many of `bytes` are reply lines, not output
  };

  void read_more();
  void handle_line(std::string_view line);
  void report_skipped();
  void enqueue(std::string_view head, std::string_view body, bool reply);
  // Writes what the FIFO takes without waiting; returns how much of head + body went.
  std::size_t write_now(std::string_view head, std::string_view body);
  void wait_writable();
  void flush();
  void pop_written(std::size_t n);
  void drained();
  void fail_later();
  void maybe_resume_reading();
  void arm_stall_timer();
  void on_stall_timer();
  void cut_off(const std::string& why);

  boost::asio::io_context& io_;
  boost::asio::posix::stream_descriptor requests_;
  boost::asio::posix::stream_descriptor replies_;
  Peer peer_;
  std::uint64_t serial_;
  SessionLimits limits_;
  struct stat requests_stat_ {};
  UniqueFd client_pidfd_;
  RequestFn on_request_;
  LineSplitter splitter_;
  std::vector<char> read_buf_;
  std::deque<Frame> queue_;
  std::size_t front_sent_ = 0;  // bytes of queue_.front() already written
  std::size_t queued_bytes_ = 0;
  std::size_t queued_reply_bytes_ = 0;
  std::size_t peak_queued_bytes_ = 0;
  std::uint64_t skipped_bytes_ = 0;
  std::uint64_t written_total_ = 0;  // progress, as the stall timer sees it
  std::uint64_t written_at_arm_ = 0;
  // A frame buffer kept between writes while a paced sender waits for the FIFO to drain:
  // reusing it spares a fresh allocation (and its page faults) per FIFO-full of output.
  std::string spare_;
  std::unique_ptr<boost::asio::steady_timer> stall_timer_;
  bool reading_ = false;  // a read of requests is in flight
  bool paused_ = false;   // requests are left unread: replies are backed up
  bool writing_ = false;  // waiting for room in the reply FIFO
  bool closed_ = false;
  bool failed_ = false;  // a direct write failed; close() is posted
  bool grown_ = false;
  std::vector<std::function<void()>> close_callbacks_;
  std::vector<std::function<void()>> drained_callbacks_;
};

}  // namespace asup::control
