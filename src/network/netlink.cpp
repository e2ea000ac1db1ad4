#include "network/netlink.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <cstdio>

#include "core/fs.hpp"

namespace asup::network {
namespace {

// libnl reports its own error numbers; map the ones rtnetlink produces back to errno so
// callers can tell "exists" from "not found".
int errno_of(int nl_error) {
  switch (-nl_error < 0 ? nl_error : -nl_error) {
    case NLE_EXIST:
      return EEXIST;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
      return ENODEV;
    case NLE_PERM:
      return EPERM;
    case NLE_NOMEM:
      return ENOMEM;
    case NLE_BUSY:
      return EBUSY;
    case NLE_INVAL:
      return EINVAL;
    case NLE_RANGE:
      return ERANGE;
    case NLE_AGAIN:
      return EAGAIN;
    case NLE_NOADDR:
      return EADDRNOTAVAIL;
    default:
      return EIO;
  }
}

Status nl_status(int rc, const std::string& what) {
  if (rc >= 0) return ok();
  return fail(errno_of(rc), what + ": " + nl_geterror(rc));
}

template <class T, void (*Put)(T*)>
struct NlPtr {
  T* p;
  explicit NlPtr(T* x) : p(x) {}
  ~NlPtr() {
    if (p) Put(p);
  }
  NlPtr(NlPtr&& other) noexcept : p(other.p) { other.p = nullptr; }
  NlPtr(const NlPtr&) = delete;
  NlPtr& operator=(const NlPtr&) = delete;
  T* get() const { return p; }
};
using LinkPtr = NlPtr<rtnl_link, rtnl_link_put>;
using AddrPtr = NlPtr<rtnl_addr, rtnl_addr_put>;
using RoutePtr = NlPtr<rtnl_route, rtnl_route_put>;
using NlAddrPtr = NlPtr<nl_addr, nl_addr_put>;

NlAddrPtr ipv4_addr(std::uint32_t address, int prefix) {
  std::uint32_t be = htonl(address);
  NlAddrPtr a{nl_addr_build(AF_INET, &be, sizeof be)};
  if (a.get()) nl_addr_set_prefixlen(a.get(), prefix);
  return a;
}

Result<nl_sock*> connect_socket() {
  nl_sock* sock = nl_socket_alloc();
  if (!sock) return fail(ENOMEM, "allocate netlink socket");
  if (int rc = nl_connect(sock, NETLINK_ROUTE); rc < 0) {
    nl_socket_free(sock);
    return fail(errno_of(rc), std::string("connect rtnetlink socket: ") + nl_geterror(rc));
  }
  // libnl creates it with SOCK_CLOEXEC only in newer releases; make sure.
  int fd = nl_socket_get_fd(sock);
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return sock;
}

std::string address_text(const Ipv4Interface& a) {
  struct in_addr in {
    htonl(a.address)
  };
  char buf[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &in, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(a.prefix);
}

}  // namespace

void RouteSocket::Free::operator()(nl_sock* sock) const {
  nl_socket_free(sock);
}

RouteSocket::~RouteSocket() = default;

Result<RouteSocket> RouteSocket::open() {
  ASUP_TRY(auto sock, connect_socket());
  return RouteSocket{sock};
}

Result<RouteSocket> RouteSocket::open_in(int pidfd, int home_netns) {
  if (::setns(pidfd, CLONE_NEWNET) != 0)
    return fail_errno("enter the container's network namespace");
  auto sock = connect_socket();
  if (::setns(home_netns, CLONE_NEWNET) != 0) {
    // Staying in the container's namespace would put every later socket of this thread
    // there; nothing sane can follow.
    std::perror("asupd: return to the host network namespace");
    std::abort();
  }
  if (!sock) return sock.error();
  return RouteSocket{sock.value()};
}

Result<int> RouteSocket::link_index(const std::string& name) {
  rtnl_link* raw = nullptr;
  int rc = rtnl_link_get_kernel(sock_.get(), 0, name.c_str(), &raw);
  if (rc < 0) return nl_status(rc, "find link " + name).error();
  LinkPtr link{raw};
  return rtnl_link_get_ifindex(link.get());
}

Status RouteSocket::set_up(int ifindex) {
  LinkPtr target{rtnl_link_alloc()}, change{rtnl_link_alloc()};
  rtnl_link_set_ifindex(target.get(), ifindex);
  rtnl_link_set_flags(change.get(), IFF_UP);
  return nl_status(rtnl_link_change(sock_.get(), target.get(), change.get(), 0),
                   "set link " + std::to_string(ifindex) + " up");
}

Result<int> RouteSocket::ensure_bridge(const std::string& name, const Ipv4Interface& gateway) {
  auto index = link_index(name);
  if (!index) {
    LinkPtr bridge{rtnl_link_bridge_alloc()};
    rtnl_link_set_name(bridge.get(), name.c_str());
    int rc = rtnl_link_add(sock_.get(), bridge.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (rc < 0 && rc != -NLE_EXIST) return nl_status(rc, "create bridge " + name).error();
    ASUP_TRY(index, link_index(name));
  }
  if (auto r = add_address(index.value(), gateway); !r && r.error().code != EEXIST)
    return r.error();
  ASUP_TRY(set_up(index.value()));
  return index.value();
}

Status RouteSocket::delete_link(const std::string& name) {
  LinkPtr link{rtnl_link_alloc()};
  rtnl_link_set_name(link.get(), name.c_str());
  return nl_status(rtnl_link_delete(sock_.get(), link.get()), "delete link " + name);
}

Status RouteSocket::add_veth(const std::string& host_name, int bridge_index,
                             const std::string& peer_name, int peer_pid,
                             const std::string& peer_mac) {
  LinkPtr veth{rtnl_link_veth_alloc()};
  if (!veth.get()) return fail(ENOMEM, "allocate veth");
  rtnl_link_set_name(veth.get(), host_name.c_str());
  rtnl_link_set_master(veth.get(), bridge_index);
  rtnl_link_set_flags(veth.get(), IFF_UP);
  rtnl_link* peer = rtnl_link_veth_get_peer(veth.get());
  rtnl_link_set_name(peer, peer_name.c_str());
  rtnl_link_set_ns_pid(peer, peer_pid);
  // No IFF_UP for the peer here: libnl 3.7 encodes the peer's flags so that the kernel
  // refuses the whole request; the peer is brought up from inside its namespace.
  nl_addr* mac = nullptr;
  if (nl_addr_parse(peer_mac.c_str(), AF_LLC, &mac) == 0) {
    rtnl_link_set_addr(peer, mac);
    nl_addr_put(mac);
  }
  rtnl_link_put(peer);
  return nl_status(rtnl_link_add(sock_.get(), veth.get(), NLM_F_CREATE | NLM_F_EXCL),
                   "create veth " + host_name);
}

Status RouteSocket::add_address(int ifindex, const Ipv4Interface& address) {
  AddrPtr addr{rtnl_addr_alloc()};
  auto local = ipv4_addr(address.address, address.prefix);
  std::uint32_t mask = address.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - address.prefix);
  auto broadcast = ipv4_addr(address.address | ~mask, 32);
  if (!addr.get() || !local.get() || !broadcast.get()) return fail(ENOMEM, "allocate address");
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_local(addr.get(), local.get());
  if (address.prefix < 31) rtnl_addr_set_broadcast(addr.get(), broadcast.get());
  return nl_status(rtnl_addr_add(sock_.get(), addr.get(), 0),
                   "add address " + address_text(address));
}

Status RouteSocket::add_default_route(int ifindex, std::uint32_t gateway) {
  RoutePtr route{rtnl_route_alloc()};
  auto dst = ipv4_addr(0, 0);
  auto via = ipv4_addr(gateway, 32);
  if (!route.get() || !dst.get() || !via.get()) return fail(ENOMEM, "allocate route");
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_dst(route.get(), dst.get());
  rtnl_nexthop* hop = rtnl_route_nh_alloc();
  rtnl_route_nh_set_gateway(hop, via.get());
  rtnl_route_nh_set_ifindex(hop, ifindex);
  rtnl_route_add_nexthop(route.get(), hop);  // the route owns it now
  return nl_status(rtnl_route_add(sock_.get(), route.get(), NLM_F_CREATE),
                   "add default route via " + address_text({gateway, 32}));
}

Status write_sysctl(const std::string& key, const std::string& value) {
  std::string path = "/proc/sys/" + key;
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
  if (!fd) return fail_errno("open " + path);
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
    return fail_errno("write " + path);
  return ok();
}

std::string mac_for(std::uint32_t address) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "02:42:%02x:%02x:%02x:%02x", (address >> 24) & 0xff,
                (address >> 16) & 0xff, (address >> 8) & 0xff, address & 0xff);
  return buf;
}

Result<UniqueFd> open_current_netns() {
  UniqueFd fd{::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)};
  if (!fd) return fail_errno("open /proc/thread-self/ns/net");
  return fd;
}

}  // namespace asup::network
