// The embedded DNS resolver of a user network, as Docker's 127.0.0.11: it answers the
// names, aliases and short ids of the network's containers from the engine's memory (the
// lookup is asked at every query, so a container that left stops resolving at once) and
// relays every other question to the host's resolvers. It runs on asupd's loop and never
// blocks it: UDP datagrams are read when the socket is readable, TCP connections and
// forwards are state machines on the same io_context.
//
// The server does not create its sockets: each container's resolver listens inside that
// container's network namespace, where the engine binds them (see netns_sockets.hpp).
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"
#include "dns/responder.hpp"

namespace asup::dns {

class Server {
 public:
  // Serves on `udp` (a bound datagram socket) and `tcp` (a listening stream socket); both
  // are made non-blocking and owned from here on.
  static Result<std::unique_ptr<Server>> start(boost::asio::io_context& io, UniqueFd udp,
                                               UniqueFd tcp, ServerConfig config);
  // Closes both sockets and every connection and abandons the forwards in flight.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::size_t forwards_in_flight() const;
  std::size_t tcp_connections() const;

  struct State;

 private:
  explicit Server(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace asup::dns
