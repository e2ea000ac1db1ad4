#include "control/session.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/write.hpp>

#include "asup/protocol.hpp"

namespace asup::control {

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
  enqueue(message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
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
  if (skipped_bytes_ > 0) {
    send({{"type", "notice"}, {"skipped_bytes", skipped_bytes_}});
    skipped_bytes_ = 0;
  }
  nlohmann::json header{
      {"type", "output"}, {"stream", stream}, {"time", time_ns}, {"len", bytes.size()}};
  std::string frame = header.dump() + "\n";
  frame.append(bytes);
  enqueue(std::move(frame));
}

void Session::enqueue(std::string bytes) {
  queued_bytes_ += bytes.size();
  queue_.push_back(std::move(bytes));
  if (!writing_) write_more();
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
        if (ec) {
          self->writing_ = false;
          self->close();  // EPIPE: the client is gone
          return;
        }
        self->queued_bytes_ -= self->queue_.front().size();
        self->queue_.pop_front();
        self->write_more();
      });
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
  auto callbacks = std::move(close_callbacks_);
  for (auto& cb : callbacks) cb();
}

}  // namespace asup::control
