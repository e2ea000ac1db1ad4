// One client connection to the resolver over TCP (RFC 7766): messages behind a two-byte
// length prefix, several per connection, answered in the order their answers are ready
// (forwarded ones may overtake each other; the ids tell the client which is which).
#pragma once

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "asup/unique_fd.hpp"
#include "dns/responder.hpp"

namespace asup::dns {

class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  // `on_close` runs once when the connection ends, by either side or by its idle timeout.
  TcpConnection(boost::asio::io_context& io, UniqueFd fd, Responder& responder,
                std::function<void(TcpConnection*)> on_close);

  void start();
  // Closes the socket; pending handlers then return without touching the responder.
  void close();

 private:
  void read_length();
  void read_message(std::size_t length);
  void on_message();
  void send(std::vector<std::uint8_t> reply);
  void write_next();
  void arm_idle_timer();
  bool may_read() const;
  void resume_reading();

  boost::asio::posix::stream_descriptor desc_;
  boost::asio::steady_timer idle_;
  Responder& responder_;
  std::function<void(TcpConnection*)> on_close_;
  std::array<std::uint8_t, 2> length_{};
  std::vector<std::uint8_t> message_;
  std::deque<std::vector<std::uint8_t>> out_;
  std::size_t awaiting_ = 0;  // forwarded queries whose answers are still to come
  bool reading_ = false;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace asup::dns
