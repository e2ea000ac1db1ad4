// One query in, its reply out: the part of the server that does not care whether the
// query came over UDP or TCP. Untrusted bytes are read here and nowhere else.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "dns/answer.hpp"
#include "dns/forwarder.hpp"

namespace asup::dns {

struct ServerConfig {
  Lookup lookup;
  ReverseLookup reverse;  // may be empty: PTR questions then go upstream
  // Where names the network does not hold are asked; none makes them NXDOMAIN.
  std::vector<Upstream> upstreams;
  std::chrono::milliseconds forward_timeout{2000};
  std::size_t max_forwards = 256;
  std::chrono::milliseconds tcp_idle_timeout{10000};
  std::size_t max_tcp_connections = 64;
};

class Responder {
 public:
  Responder(boost::asio::io_context& io, ServerConfig config);

  enum class Kind { kDrop, kNow, kLater };
  struct Outcome {
    Kind kind = Kind::kDrop;
    std::vector<std::uint8_t> reply;  // kNow
  };
  using Later = std::function<void(std::vector<std::uint8_t> reply)>;

  // The reply to `query`: now, later through `later` (forwarded upstream; `later` is
  // called once, unless the responder is destroyed first), or none (not a query, or no
  // room for another forward over UDP, whose client asks again).
  Outcome handle(std::span<const std::uint8_t> query, Transport transport, Later later);

  // Abandons the forwards in flight: their `later` is never called.
  void close() { forwarder_.abandon(); }

  const ServerConfig& config() const { return config_; }
  std::size_t forwards_in_flight() const { return forwarder_.in_flight(); }

 private:
  Outcome answer(std::span<const std::uint8_t> query, const Header& header, Transport transport,
                 Later& later);

  ServerConfig config_;
  Forwarder forwarder_;
};

}  // namespace asup::dns
