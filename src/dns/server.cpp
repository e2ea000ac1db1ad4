#include "dns/server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "dns/tcp_connection.hpp"

namespace asup::dns {
namespace {

using boost::asio::posix::stream_descriptor;

// Datagrams or connections taken per wake-up before the loop serves anyone else.
constexpr int kBatch = 64;

Status set_nonblocking(int fd, const char* what) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
    return fail_errno(std::string("make the resolver's ") + what + " socket non-blocking");
  return ok();
}

}  // namespace

struct Server::State : std::enable_shared_from_this<Server::State> {
  State(boost::asio::io_context& io, int udp_fd, int tcp_fd, ServerConfig config)
      : io(io), udp(io, udp_fd), tcp(io, tcp_fd), responder(io, std::move(config)) {}

  void arm(stream_descriptor& desc, void (State::*serve)());
  void drain_udp();
  void reply_udp(std::span<const std::uint8_t> reply, const sockaddr_in& to);
  void accept_connections();
  void close();

  boost::asio::io_context& io;
  stream_descriptor udp;
  stream_descriptor tcp;
  Responder responder;
  std::unordered_map<TcpConnection*, std::shared_ptr<TcpConnection>> connections;
  std::array<std::uint8_t, 65536> datagram{};
  bool closed = false;
};

// Serves `desc` with `serve` each time it turns readable, until the server closes.
void Server::State::arm(stream_descriptor& desc, void (State::*serve)()) {
  desc.async_wait(stream_descriptor::wait_read,
                  [self = shared_from_this(), &desc, serve](const boost::system::error_code& ec) {
                    if (ec || self->closed) return;
                    (self.get()->*serve)();
                    self->arm(desc, serve);
                  });
}

void Server::State::drain_udp() {
  for (int i = 0; i < kBatch; ++i) {
    sockaddr_in from{};
    socklen_t from_len = sizeof from;
    ssize_t n = ::recvfrom(udp.native_handle(), datagram.data(), datagram.size(), MSG_DONTWAIT,
                           reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;  // EAGAIN: drained; anything else is the next datagram's problem
    if (from.sin_family != AF_INET) continue;
    std::weak_ptr<State> weak = shared_from_this();
    auto outcome = responder.handle(std::span(datagram.data(), static_cast<std::size_t>(n)),
                                    Transport::kUdp, [weak, from](auto reply) {
                                      auto self = weak.lock();
                                      if (self && !self->closed) self->reply_udp(reply, from);
                                    });
    if (outcome.kind == Responder::Kind::kNow) reply_udp(outcome.reply, from);
  }
}

void Server::State::reply_udp(std::span<const std::uint8_t> reply, const sockaddr_in& to) {
  // A full socket buffer drops the reply, as the network could: the client asks again.
  ::sendto(udp.native_handle(), reply.data(), reply.size(), MSG_DONTWAIT,
           reinterpret_cast<const sockaddr*>(&to), sizeof to);
}

void Server::State::accept_connections() {
  for (int i = 0; i < kBatch; ++i) {
    UniqueFd fd{::accept4(tcp.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)};
    if (!fd && errno == EINTR) continue;
    if (!fd) return;
    // Over the bound, the newcomer is closed at once rather than left in the backlog,
    // where it would hold the queue for everyone behind it.
    if (connections.size() >= responder.config().max_tcp_connections) continue;
    std::weak_ptr<State> weak = shared_from_this();
    auto connection =
        std::make_shared<TcpConnection>(io, std::move(fd), responder, [weak](TcpConnection* c) {
          if (auto self = weak.lock()) self->connections.erase(c);
        });
    connections.emplace(connection.get(), connection);
    connection->start();
  }
}

void Server::State::close() {
  closed = true;
  boost::system::error_code ec;
  udp.close(ec);
  tcp.close(ec);
  responder.close();
  auto open = std::move(connections);
  for (auto& [raw, connection] : open) connection->close();
}

Result<std::unique_ptr<Server>> Server::start(boost::asio::io_context& io, UniqueFd udp,
                                              UniqueFd tcp, ServerConfig config) {
  if (!udp || !tcp) return fail(EBADF, "start the DNS resolver: a socket is missing");
  ASUP_TRY(set_nonblocking(udp.get(), "UDP"));
  ASUP_TRY(set_nonblocking(tcp.get(), "TCP"));
  auto state = std::make_shared<State>(io, udp.release(), tcp.release(), std::move(config));
  state->arm(state->udp, &State::drain_udp);
  state->arm(state->tcp, &State::accept_connections);
  return std::unique_ptr<Server>(new Server(std::move(state)));
}

Server::~Server() {
  state_->close();
}

std::size_t Server::forwards_in_flight() const {
  return state_->responder.forwards_in_flight();
}

std::size_t Server::tcp_connections() const {
  return state_->connections.size();
}

}  // namespace asup::dns
