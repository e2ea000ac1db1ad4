// The resolver's sockets inside a container's network namespace. A socket belongs to the
// namespace it was created in, whichever thread later uses it, so the loop thread enters
// the container's namespace only for the socket() and bind() calls and comes straight back.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"
#include "dns/server.hpp"

namespace asup::dns {

// 127.0.0.11:53, where Docker's embedded server listens (host byte order). All of
// 127.0.0.0/8 is on lo, so no address has to be added for it.
inline constexpr std::uint32_t kResolverAddress = 0x7f00000b;
inline constexpr std::uint16_t kResolverPort = 53;

struct ResolverSockets {
  UniqueFd udp;  // bound
  UniqueFd tcp;  // bound and listening
};

// Both sockets, bound in the calling thread's network namespace. They are bound with
// IP_FREEBIND, so binding works even while the namespace's lo is still down. Port 0 binds
// both to one free port (the UDP socket's).
Result<ResolverSockets> bind_resolver_sockets(std::uint32_t address, std::uint16_t port);

// The same inside the network namespace `netns` refers to (a namespace fd or a pidfd);
// the thread returns to `home_netns` before anything else runs.
Result<ResolverSockets> bind_resolver_sockets_in(int netns, int home_netns,
                                                 std::uint32_t address = kResolverAddress,
                                                 std::uint16_t port = kResolverPort);

// The calling thread's network namespace, to come back to.
Result<UniqueFd> open_thread_netns();

// A container's resolver: sockets bound at 127.0.0.11:53 inside `netns`, served on `io`.
Result<std::unique_ptr<Server>> start_in_netns(boost::asio::io_context& io, int netns,
                                               int home_netns, ServerConfig config);

}  // namespace asup::dns
