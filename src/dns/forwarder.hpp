// Relays the questions the resolver cannot answer to the host's resolvers, on the loop:
// each forwarded query gets its own socket (a fresh source port) and a fresh random id, so
// an answer is accepted only from the upstream it was sent to and with the id it was given;
// the client's id is put back before the answer is handed on. A query over UDP goes
// upstream over UDP, one over TCP over TCP. An upstream that does not answer within the
// timeout, or refuses, is given up for the next one, once.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"

namespace asup::dns {

struct Upstream {
  std::uint32_t address = 0;  // host byte order
  std::uint16_t port = 53;
  bool operator==(const Upstream&) const = default;
};

// "192.0.2.1" or "192.0.2.1:5353".
Result<Upstream> parse_upstream(std::string_view text);
std::string to_string(const Upstream& upstream);

enum class Transport { kUdp, kTcp };

class Forwarder {
 public:
  // The upstream's answer with the client's id, or nothing when every attempt failed.
  using Done = std::function<void(std::optional<std::vector<std::uint8_t>> answer)>;

  Forwarder(boost::asio::io_context& io, std::vector<Upstream> upstreams,
            std::chrono::milliseconds timeout, std::size_t max_in_flight);
  // Abandons every forward in flight; none of their callbacks runs afterwards.
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Starts forwarding `query` (a whole DNS message, without TCP's length prefix). False,
  // and `done` never called, when there is no upstream or `max_in_flight` forwards are
  // already waiting.
  bool forward(std::span<const std::uint8_t> query, Transport transport, Done done);

  // Abandons every forward in flight and refuses new ones (the server is closing).
  void abandon();

  bool has_upstreams() const;
  std::size_t in_flight() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace asup::dns
