#include "control/session.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <cstdlib>

#include "asup/protocol.hpp"
#include "core/fs.hpp"

namespace asup::control {
namespace {

// Beyond this a spare frame buffer is not worth keeping: frames are at most a pipe's worth.
constexpr std::size_t kMaxSpareBytes = 2 << 20;

int pipe_max_size() {
  static const int size = [] {
    auto text = fs::read_file("/proc/sys/fs/pipe-max-size");
    return text ? std::atoi(text.value().c_str()) : 0;
  }();
  return size;
}

}  // namespace

void grow_pipe(int fd) {
  int max = pipe_max_size();
  if (max > 0 && ::fcntl(fd, F_GETPIPE_SZ) < max) (void)::fcntl(fd, F_SETPIPE_SZ, max);
}

Session::Session(boost::asio::io_context& io, UniqueFd requests, UniqueFd replies, pid_t client_pid,
                 std::uint64_t serial)
    : requests_(io, requests.release()),
      replies_(io, replies.release()),
      client_pid_(client_pid),
      serial_(serial),
      splitter_(protocol::kMaxRequestBytes),
      read_buf_(65536) {}

void Session::start(RequestFn on_request) {
  on_request_ = std::move(on_request);
  send({{"type", "hello"}, {"version", protocol::kVersion}});
  read_more();
}

void Session::read_more() {
  if (closed_) return;
  requests_.async_read_some(boost::asio::buffer(read_buf_), [self = shared_from_this()](
                                                                const boost::system::error_code& ec,
                                                                std::size_t n) {
    if (ec || self->closed_) {
      // EOF: the client closed its end (it exited or died). Nothing is owed to it.
      self->close();
      return;
    }
    self->splitter_.feed(
        std::string_view(self->read_buf_.data(), n),
        [&](std::string_view line) {
          if (self->closed_) return;
          auto request = nlohmann::json::parse(line, nullptr, false);
          if (request.is_discarded() || !request.is_object()) {
            self->send_error(protocol::kExitEngineError, "malformed request: not a JSON object");
            return;
          }
          self->on_request_(self, request);
        },
        [&] {
          self->send_error(
              protocol::kExitEngineError,
              "request too large (limit " + std::to_string(protocol::kMaxRequestBytes) + " bytes)");
        });
    self->read_more();
  });
}

void Session::send(const nlohmann::json& message) {
  if (closed_) return;
  report_skipped();
  std::string line = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line += '\n';
  enqueue(line, {});
}

void Session::report_skipped() {
  // Whatever comes next, the client learns first what it missed: the last message to a
  // follower (its result) would otherwise carry the gap away untold.
  if (skipped_bytes_ == 0) return;
  auto skipped = std::exchange(skipped_bytes_, 0);
  send({{"type", "notice"}, {"skipped_bytes", skipped}});
}

void Session::send_error(int exit_code, const std::string& message) {
  send({{"type", "error"}, {"exit", exit_code}, {"message", message}});
}

void Session::send_output(const char* stream, std::int64_t time_ns, std::string_view bytes) {
  if (closed_) return;
  if (queued_bytes_ + bytes.size() > protocol::kMaxQueuedReplyBytes) {
    skipped_bytes_ += bytes.size();
    return;
  }
  report_skipped();
  // The header by hand: `stream` is one of our own names, the rest are numbers, and this
  // runs for every chunk of output.
  char header[128];
  int n = std::snprintf(header, sizeof header,
                        "{\"type\":\"output\",\"stream\":\"%s\",\"time\":%lld,\"len\":%zu}\n",
                        stream, static_cast<long long>(time_ns), bytes.size());
  enqueue(std::string_view(header, static_cast<std::size_t>(n)), bytes);
}

void Session::enqueue(std::string_view head, std::string_view body) {
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
  std::string frame = std::exchange(spare_, {});
  frame.assign(head);
  frame.append(body);
  queued_bytes_ += frame.size();
  queue_.push_back(std::move(frame));
  if (!writing_) write_more();
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
  return done;
}

void Session::fail_later() {
  // Not close() here: a sender may be walking a list of sessions that close() would edit
  // through its callbacks.
  failed_ = true;
  boost::asio::post(replies_.get_executor(), [self = shared_from_this()] { self->close(); });
}

void Session::write_more() {
  if (closed_ || queue_.empty()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  boost::asio::async_write(
      replies_, boost::asio::buffer(queue_.front()),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        if (self->closed_) return;  // the queue went with it
        if (ec) {
          self->writing_ = false;
          self->close();  // EPIPE: the client is gone
          return;
        }
        std::string done = std::move(self->queue_.front());
        self->queue_.pop_front();
        self->queued_bytes_ -= done.size();
        if (done.capacity() <= kMaxSpareBytes && done.capacity() > self->spare_.capacity()) {
          done.clear();
          self->spare_ = std::move(done);
        }
        if (!self->queue_.empty()) {
          self->write_more();
          return;
        }
        self->writing_ = false;
        self->drained();
      });
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

void Session::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  requests_.close(ec);
  replies_.close(ec);
  queue_.clear();
  queued_bytes_ = 0;
  spare_ = std::string();
  drained_callbacks_.clear();
  auto callbacks = std::move(close_callbacks_);
  for (auto& cb : callbacks) cb();
}

}  // namespace asup::control
