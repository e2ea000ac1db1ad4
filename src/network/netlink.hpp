// Link, address and route operations over rtnetlink through libnl: the bridge a network
// stands on, the veth pair of each endpoint and the addresses and routes inside a
// container's network namespace. No `ip`, no shell.
//
// rtnetlink requests are executed by the kernel inside sendmsg(), so the acknowledgement is
// already queued when the send returns: a request costs one send and one receive on the
// loop thread, tens of microseconds, and never waits on a peer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

struct nl_sock;

namespace asup::network {

struct Ipv4Interface {
  std::uint32_t address = 0;  // host byte order
  int prefix = 0;
};

class RouteSocket {
 public:
  // A socket in the calling thread's network namespace.
  static Result<RouteSocket> open();
  // A socket in the network namespace of the process `pidfd` refers to. The calling
  // thread enters that namespace only for the socket() call (a socket stays bound to the
  // namespace it was created in) and returns to `home_netns` before anything else runs.
  static Result<RouteSocket> open_in(int pidfd, int home_netns);

  RouteSocket(RouteSocket&&) noexcept = default;
  RouteSocket& operator=(RouteSocket&&) noexcept = default;
  ~RouteSocket();

  // The bridge `name`, created when missing, with `gateway` as its address and up.
  // An existing bridge is adopted: its address is added when missing.
  Result<int> ensure_bridge(const std::string& name, const Ipv4Interface& gateway);
  Status delete_link(const std::string& name);
  Result<int> link_index(const std::string& name);
  Status set_up(int ifindex);

  // A veth pair: `host_name` enslaved to `bridge_index` and up; its peer `peer_name`
  // created directly inside the network namespace of `peer_pid` with `peer_mac`, down.
  Status add_veth(const std::string& host_name, int bridge_index, const std::string& peer_name,
                  int peer_pid, const std::string& peer_mac);
  Status add_address(int ifindex, const Ipv4Interface& address);
  Status add_default_route(int ifindex, std::uint32_t gateway);

 private:
  struct Free {
    void operator()(nl_sock* sock) const;
  };
  explicit RouteSocket(nl_sock* sock) : sock_(sock) {}
  std::unique_ptr<nl_sock, Free> sock_;
};

// /proc/sys writes that networks need (forwarding, route_localnet on a bridge); `key` is
// the path below /proc/sys ("net/ipv4/ip_forward"), as bridge names may hold dots.
Status write_sysctl(const std::string& key, const std::string& value);

// "02:42:0a:58:00:05": the locally administered MAC Docker derives from the IPv4 address,
// so an address that moves to a new container is not held up by stale neighbour caches
// pointing at a different MAC.
std::string mac_for(std::uint32_t address);

// The thread's own network namespace, kept open so open_in() can come back to it.
Result<UniqueFd> open_current_netns();

}  // namespace asup::network
