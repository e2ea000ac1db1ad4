#include "dns/tcp_connection.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace asup::dns {
namespace {

// A client that sends faster than it reads, or piles up forwards, is no longer read from
// until it catches up: what one connection holds stays bounded.
constexpr std::size_t kMaxAwaiting = 16;
constexpr std::size_t kMaxQueuedReplies = 16;

}  // namespace

TcpConnection::TcpConnection(boost::asio::io_context& io, UniqueFd fd, Responder& responder,
                             std::function<void(TcpConnection*)> on_close)
    : desc_(io, fd.release()), idle_(io), responder_(responder), on_close_(std::move(on_close)) {}

void TcpConnection::start() {
  arm_idle_timer();
  read_length();
}

void TcpConnection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  desc_.close(ec);
  idle_.cancel();
  if (auto on_close = std::move(on_close_)) on_close(this);
}

void TcpConnection::arm_idle_timer() {
  idle_.expires_after(responder_.config().tcp_idle_timeout);
  idle_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->closed_) return;
    self->close();
  });
}

bool TcpConnection::may_read() const {
  return !closed_ && awaiting_ < kMaxAwaiting && out_.size() < kMaxQueuedReplies;
}

void TcpConnection::resume_reading() {
  if (!reading_ && may_read()) read_length();
}

void TcpConnection::read_length() {
  reading_ = true;
  boost::asio::async_read(
      desc_, boost::asio::buffer(length_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        if (self->closed_) return;
        if (ec) return self->close();  // EOF included: the client is done
        std::size_t length = self->length_[0] << 8 | self->length_[1];
        if (length < kHeaderSize) return self->close();
        self->read_message(length);
      });
}

void TcpConnection::read_message(std::size_t length) {
  message_.assign(length, 0);
  boost::asio::async_read(
      desc_, boost::asio::buffer(message_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        if (self->closed_) return;
        if (ec) return self->close();
        self->on_message();
      });
}

void TcpConnection::on_message() {
  reading_ = false;
  arm_idle_timer();
  std::weak_ptr<TcpConnection> weak = shared_from_this();
  auto outcome = responder_.handle(message_, Transport::kTcp, [weak](auto reply) {
    auto self = weak.lock();
    if (!self || self->closed_) return;
    --self->awaiting_;
    self->send(std::move(reply));
    self->resume_reading();
  });
  if (outcome.kind == Responder::Kind::kLater) ++awaiting_;
  // A message that is no query gets no answer; the connection goes on.
  if (outcome.kind == Responder::Kind::kNow) send(std::move(outcome.reply));
  resume_reading();
}

void TcpConnection::send(std::vector<std::uint8_t> reply) {
  if (reply.size() > kTcpReplyLimit) return;
  std::vector<std::uint8_t> frame;
  frame.reserve(reply.size() + 2);
  frame.push_back(static_cast<std::uint8_t>(reply.size() >> 8));
  frame.push_back(static_cast<std::uint8_t>(reply.size()));
  frame.insert(frame.end(), reply.begin(), reply.end());
  out_.push_back(std::move(frame));
  if (!writing_) write_next();
}

void TcpConnection::write_next() {
  if (out_.empty()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  boost::asio::async_write(
      desc_, boost::asio::buffer(out_.front()),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        if (self->closed_) return;
        if (ec) return self->close();
        self->out_.pop_front();
        self->arm_idle_timer();
        self->write_next();
        self->resume_reading();
      });
}

}  // namespace asup::dns
