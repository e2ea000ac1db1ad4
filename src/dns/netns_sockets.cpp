#include "dns/netns_sockets.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace asup::dns {
namespace {

std::string describe(std::uint32_t address, std::uint16_t port) {
  in_addr addr{htonl(address)};
  char buf[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &addr, buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(port);
}

Result<UniqueFd> bind_socket(int type, std::uint32_t address, std::uint16_t port) {
  const char* kind = type == SOCK_DGRAM ? "udp" : "tcp";
  std::string where = std::string(kind) + " " + describe(address, port);
  UniqueFd fd{::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (!fd) return fail_errno("socket for the resolver on " + where);
  int one = 1;
  // SO_REUSEADDR lets a restarted asupd listen again while old connections linger in
  // TIME_WAIT; IP_FREEBIND lets the engine bind before it brings lo up.
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      ::setsockopt(fd.get(), IPPROTO_IP, IP_FREEBIND, &one, sizeof one) != 0)
    return fail_errno("set options of the resolver's socket on " + where);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(address);
  sa.sin_port = htons(port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return fail_errno("bind the resolver to " + where);
  if (type == SOCK_STREAM && ::listen(fd.get(), 64) != 0) return fail_errno("listen on " + where);
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

}  // namespace

Result<ResolverSockets> bind_resolver_sockets(std::uint32_t address, std::uint16_t port) {
  ResolverSockets sockets;
  ASUP_TRY(sockets.udp, bind_socket(SOCK_DGRAM, address, port));
  if (port == 0) port = bound_port(sockets.udp.get());
  ASUP_TRY(sockets.tcp, bind_socket(SOCK_STREAM, address, port));
  return sockets;
}

Result<ResolverSockets> bind_resolver_sockets_in(int netns, int home_netns, std::uint32_t address,
                                                 std::uint16_t port) {
  if (::setns(netns, CLONE_NEWNET) != 0)
    return fail_errno("enter the container's network namespace for its resolver");
  auto sockets = bind_resolver_sockets(address, port);
  if (::setns(home_netns, CLONE_NEWNET) != 0) {
    // Staying would put every later socket of the loop thread in the container's
    // namespace; nothing sane can follow.
    std::perror("asupd: return to the host network namespace");
    std::abort();
  }
  return sockets;
}

Result<UniqueFd> open_thread_netns() {
  UniqueFd fd{::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)};
  if (!fd) return fail_errno("open /proc/thread-self/ns/net");
  return fd;
}

Result<std::unique_ptr<Server>> start_in_netns(boost::asio::io_context& io, int netns,
                                               int home_netns, ServerConfig config) {
  ASUP_TRY(auto sockets, bind_resolver_sockets_in(netns, home_netns));
  return Server::start(io, std::move(sockets.udp), std::move(sockets.tcp), std::move(config));
}

}  // namespace asup::dns
