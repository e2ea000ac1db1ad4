#include "control/session.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <cstdlib>

#include "control/peer.hpp"
#include "control/request.hpp"
#include "core/fs.hpp"
#include "core/pipes.hpp"

namespace asup::control {
namespace {

// Beyond this a spare frame buffer is not worth keeping: frames are at most a pipe's worth.
constexpr std::size_t kMaxSpareBytes = 2 << 20;
// Short frames queued behind each other are joined up to this size: thousands of small
// replies cost a few buffers rather than thousands, and leave in few writes.
constexpr std::size_t kJoinFrameBytes = 64 << 10;
// A session that queued this much has grown the heap. glibc keeps freed heap memory for
// later; once such a session closes the freed pages go back to the system instead.
constexpr std::size_t kTrimAfterBytes = 1 << 20;
constexpr int kMaxIov = 64;

// What a cut-off client is still owed: the rest of a frame it has half of (so what follows
// starts a line), then one error line saying why. Written whenever its FIFO has room,
// given up after a timeout. It holds its own duplicate of the reply FIFO: the session is
// closed by then, and everything it held is freed.
class Farewell : public std::enable_shared_from_this<Farewell> {
 public:
  Farewell(boost::asio::io_context& io, int fd, std::string bytes)
      : out_(io, fd), bytes_(std::move(bytes)), timer_(io) {}

  void start(std::chrono::milliseconds timeout) {
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      boost::system::error_code ignored;
      self->out_.close(ignored);  // a client that never reads gets nothing more
    });
    write();
  }

 private:
  void write() {
    while (sent_ < bytes_.size()) {
      ssize_t n = ::write(out_.native_handle(), bytes_.data() + sent_, bytes_.size() - sent_);
      if (n > 0) {
        sent_ += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        out_.async_wait(boost::asio::posix::stream_descriptor::wait_write,
                        [self = shared_from_this()](const boost::system::error_code& ec) {
                          if (ec) return self->finish();
                          self->write();
                        });
        return;
      }
      break;  // EPIPE: the client is gone after all
    }
    finish();
  }
  void finish() {
    boost::system::error_code ignored;
    timer_.cancel();
    out_.close(ignored);
  }

  boost::asio::posix::stream_descriptor out_;
  std::string bytes_;
  std::size_t sent_ = 0;
  boost::asio::steady_timer timer_;
};

}  // namespace

Session::Session(boost::asio::io_context& io, UniqueFd requests, UniqueFd replies, Peer peer,
                 std::uint64_t serial, SessionLimits limits)
    : io_(io),
      requests_(io, requests.release()),
      replies_(io, replies.release()),
      peer_(std::move(peer)),
      serial_(serial),
      limits_(limits),
      splitter_(protocol::kMaxRequestBytes),
      read_buf_(65536) {
  // The identity of this session's request FIFO: its client is the process holding it.
  if (::fstat(requests_.native_handle(), &requests_stat_) != 0) requests_stat_ = {};
}

void Session::start(RequestFn on_request) {
  on_request_ = std::move(on_request);
  reply(api::Hello{protocol::kVersion});
  read_more();
}

void Session::read_more() {
  if (closed_ || reading_) return;
  if (queued_reply_bytes_ >= limits_.pause_reading_at) {
    // Backpressure: further requests wait in the client's FIFO, and then in the client,
    // until it has read its replies; reading them now would only queue more.
    if (!paused_) {
      paused_ = true;
      arm_stall_timer();
    }
    return;
  }
  reading_ = true;
  requests_.async_read_some(
      boost::asio::buffer(read_buf_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        self->reading_ = false;
        if (self->closed_) return;
        if (ec) {
          // EOF: the client closed its end (it exited or died). Nothing is owed to it.
          self->close();
          return;
        }
        self->splitter_.feed(
            std::string_view(self->read_buf_.data(), n),
            [&](std::string_view line) { self->handle_line(line); },
            [&] {
              self->send_error(protocol::kExitEngineError,
                               "request too large (limit " +
                                   std::to_string(protocol::kMaxRequestBytes) + " bytes)");
            });
        self->read_more();
      });
}

void Session::handle_line(std::string_view line) {
  if (closed_) return;
  auto request = parse_request(line);
  if (!request) {
    send_error(protocol::kExitEngineError, request.error().message);
    return;
  }
  // The loop boundary for requests: whatever a handler throws ends here, logged and
  // answered, and the daemon and this session carry on.
  const std::string& op = request.value().op;
  std::string what;
  try {
    on_request_(shared_from_this(), request.value());
    return;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  spdlog::error("control: session {}: request \"{}\" failed: {}", serial_, op, what);
  send_error(protocol::kExitEngineError, "internal error in request \"" + op + "\": " + what);
}

void Session::send(const nlohmann::json& message) {
  if (closed_) return;
  report_skipped();
  if (closed_) return;
  std::string line = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line += '\n';
  if (queued_reply_bytes_ > 0 && queued_reply_bytes_ + line.size() > limits_.max_queued_replies) {
    cut_off(protocol::kCutOffMessage);
    return;
  }
  enqueue(line, {}, true);
}

void Session::report_skipped() {
  // Whatever comes next, the client learns first what it missed: the last message to a
  // follower (its result) would otherwise carry the gap away untold.
  if (skipped_bytes_ == 0) return;
  auto skipped = std::exchange(skipped_bytes_, 0);
  reply(api::Notice{std::nullopt, skipped});
}

void Session::send_output(const char* stream, std::int64_t time_ns, std::string_view bytes) {
  if (closed_) return;
  if (queued_bytes_ + bytes.size() > limits_.max_queued_output) {
    skipped_bytes_ += bytes.size();
    return;
  }
  report_skipped();
  if (closed_) return;
  // The header by hand: `stream` is one of our own names, the rest are numbers, and this
  // runs for every chunk of output.
  char header[128];
  int n = std::snprintf(header, sizeof header,
                        "{\"type\":\"output\",\"stream\":\"%s\",\"time\":%lld,\"len\":%zu}\n",
                        stream, static_cast<long long>(time_ns), bytes.size());
  enqueue(std::string_view(header, static_cast<std::size_t>(n)), bytes, false);
}

void Session::enqueue(std::string_view head, std::string_view body, bool reply) {
  if (closed_ || failed_) return;
  // Straight to the FIFO while nothing waits before it: the kernel takes the bytes from
  // where they are (the ring, for output), and only what does not fit is copied.
  if (queue_.empty()) {
    std::size_t done = write_now(head, body);
    std::size_t from_head = std::min(done, head.size());
    head.remove_prefix(from_head);
    body.remove_prefix(done - from_head);
    if (failed_ || (head.empty() && body.empty())) return;
  }
  const std::size_t n = head.size() + body.size();
  if (queue_.empty() || queue_.back().bytes.size() + n > kJoinFrameBytes) {
    Frame frame;
    frame.bytes = std::exchange(spare_, {});
    frame.bytes.clear();
    queue_.push_back(std::move(frame));
  }
  Frame& back = queue_.back();
  back.bytes.append(head);
  back.bytes.append(body);
  queued_bytes_ += n;
  if (reply) {
    back.reply_bytes += n;
    queued_reply_bytes_ += n;
  }
  peak_queued_bytes_ = std::max(peak_queued_bytes_, queued_bytes_);
  if (!writing_) wait_writable();
}

std::size_t Session::write_now(std::string_view head, std::string_view body) {
  iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                  {const_cast<char*>(body.data()), body.size()}};
  const std::size_t total = head.size() + body.size();
  std::size_t done = 0;
  while (done < total) {
    int first = done < head.size() ? 0 : 1;
    std::size_t skip = done - (first == 0 ? 0 : head.size());
    iovec rest[2] = {iov[0], iov[1]};
    rest[first].iov_base = static_cast<char*>(rest[first].iov_base) + skip;
    rest[first].iov_len -= skip;
    ssize_t n = ::writev(replies_.native_handle(), rest + first, 2 - first);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && !grown_) {
      // Only a client that takes output faster than the default FIFO holds gets a larger
      // one: most sessions carry a few short JSON lines.
      grown_ = true;
      grow_pipe(replies_.native_handle());
      continue;
    }
    if (n < 0 && errno != EAGAIN) fail_later();  // EPIPE: the client is gone
    break;
  }
  written_total_ += done;
  return done;
}

void Session::fail_later() {
  // Not close() here: a sender may be walking a list of sessions that close() would edit
  // through its callbacks.
  failed_ = true;
  boost::asio::post(replies_.get_executor(), [self = shared_from_this()] { self->close(); });
}

void Session::wait_writable() {
  writing_ = true;
  replies_.async_wait(boost::asio::posix::stream_descriptor::wait_write,
                      [self = shared_from_this()](const boost::system::error_code& ec) {
                        if (self->closed_) return;  // the queue went with it
                        self->writing_ = false;
                        if (ec) {
                          self->close();
                          return;
                        }
                        self->flush();
                      });
}

void Session::flush() {
  const int fd = replies_.native_handle();
  while (!queue_.empty()) {
    iovec iov[kMaxIov];
    int count = 0;
    std::size_t offset = front_sent_;
    for (auto& frame : queue_) {
      if (count == kMaxIov) break;
      iov[count++] = {frame.bytes.data() + offset, frame.bytes.size() - offset};
      offset = 0;
    }
    ssize_t n = ::writev(fd, iov, count);
    if (n > 0) {
      written_total_ += static_cast<std::size_t>(n);
      pop_written(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!grown_) {
        grown_ = true;
        grow_pipe(fd);
        continue;
      }
      wait_writable();
      maybe_resume_reading();
      return;
    }
    close();  // EPIPE: the client is gone
    return;
  }
  drained();
  maybe_resume_reading();
}

void Session::pop_written(std::size_t n) {
  while (n > 0 && !queue_.empty()) {
    Frame& front = queue_.front();
    std::size_t left = front.bytes.size() - front_sent_;
    if (n < left) {
      front_sent_ += n;
      return;
    }
    n -= left;
    front_sent_ = 0;
    queued_bytes_ -= front.bytes.size();
    queued_reply_bytes_ -= front.reply_bytes;
    if (front.bytes.capacity() <= kMaxSpareBytes && front.bytes.capacity() > spare_.capacity()) {
      front.bytes.clear();
      spare_ = std::move(front.bytes);
    }
    queue_.pop_front();
  }
}

void Session::drained() {
  auto callbacks = std::move(drained_callbacks_);
  drained_callbacks_.clear();
  for (auto& cb : callbacks) {
    if (closed_) return;
    cb();
  }
  // Nobody is pacing on this session any more: the spare buffer would only sit there.
  if (queue_.empty() && drained_callbacks_.empty()) spare_ = std::string();
}

void Session::maybe_resume_reading() {
  if (!paused_ || closed_) return;
  // Half the mark, not the mark itself: reading resumes for a good batch of requests, not
  // for one at a time.
  if (queued_reply_bytes_ > limits_.pause_reading_at / 2) return;
  paused_ = false;
  if (stall_timer_) stall_timer_->cancel();
  read_more();
}

void Session::arm_stall_timer() {
  if (!stall_timer_) stall_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  written_at_arm_ = written_total_;
  stall_timer_->expires_after(limits_.stall_timeout);
  stall_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->on_stall_timer();
  });
}

void Session::on_stall_timer() {
  if (closed_ || !paused_) return;
  // A client that reads, however slowly, is only paced.
  if (written_total_ != written_at_arm_) {
    arm_stall_timer();
    return;
  }
  // One that reads nothing while it goes on asking is cut off. One that asks nothing more
  // costs no more than it already does (reading is paused): it may take its time.
  int waiting = 0;
  if (::ioctl(requests_.native_handle(), FIONREAD, &waiting) == 0 && waiting > 0) {
    cut_off(protocol::kCutOffMessage);
    return;
  }
  arm_stall_timer();
}

void Session::cut_off(const std::string& why) {
  if (closed_) return;
  spdlog::warn("control: session {} (client pid {}) cut off with {} bytes unread: {}", serial_,
               peer_.pid, queued_bytes_, why);
  std::string last;
  if (front_sent_ > 0) last = queue_.front().bytes.substr(front_sent_);
  last += api::reply_line(api::Error{protocol::kExitEngineError, why, std::nullopt}).dump();
  last += '\n';
  int fd = ::fcntl(replies_.native_handle(), F_DUPFD_CLOEXEC, 0);
  close();
  if (fd < 0) return;
  auto farewell = std::make_shared<Farewell>(io_, fd, std::move(last));
  farewell->start(limits_.farewell_timeout);
}

void Session::on_drained(std::function<void()> callback) {
  if (closed_) return;
  if (queue_.empty()) {
    callback();
    return;
  }
  drained_callbacks_.push_back(std::move(callback));
}

void Session::on_close(std::function<void()> callback) {
  if (closed_) {
    callback();
    return;
  }
  close_callbacks_.push_back(std::move(callback));
}

Result<int> Session::client_pidfd() {
  if (closed_) return fail(EPIPE, "the client of session " + std::to_string(serial_) + " is gone");
  if (!client_pidfd_) {
    ASUP_TRY(auto pidfd, open_verified_pidfd(peer_.pid, requests_stat_, peer_.requests_path));
    client_pidfd_ = std::move(pidfd);
  }
  return client_pidfd_.get();
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  requests_.close(ec);
  replies_.close(ec);
  if (stall_timer_) stall_timer_->cancel();
  std::deque<Frame>().swap(queue_);
  front_sent_ = 0;
  queued_bytes_ = 0;
  queued_reply_bytes_ = 0;
  spare_ = std::string();
  client_pidfd_.reset();
  drained_callbacks_.clear();
  auto callbacks = std::move(close_callbacks_);
  for (auto& cb : callbacks) cb();
  if (peak_queued_bytes_ >= kTrimAfterBytes) ::malloc_trim(0);
}

}  // namespace asup::control
