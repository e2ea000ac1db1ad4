// The launch pipeline's network steps: plan before clone3, wire right after it, release at
// exit (see stage.hpp).
#include <sys/random.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "network/hosts_file.hpp"
#include "network/nat_rules.hpp"
#include "network/stage.hpp"

namespace asup::network {
namespace {

std::string random_veth_name() {
  static const char* hex = "0123456789abcdef";
  unsigned char bytes[6];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  std::string name = "veth";
  for (unsigned char b : bytes) {
    name += hex[b >> 4];
    name += hex[b & 15];
  }
  return name.substr(0, 15);
}

// The lowest free ethN: after a disconnect, counting endpoints would reuse a live name.
std::string free_ifname(const std::vector<Endpoint>& endpoints) {
  for (int n = 0;; ++n) {
    std::string candidate = "eth" + std::to_string(n);
    bool taken = false;
    for (auto& other : endpoints) taken = taken || other.ifname == candidate;
    if (!taken) return candidate;
  }
}

// The endpoint that carries the default route: the first one on a network that is not
// internal, if any.
const Endpoint* default_route_endpoint(const Attachment& a, Networks& networks) {
  for (auto& e : a.endpoints) {
    auto* net = networks.find_by_id(e.network_id);
    if (net && !net->spec.internal) return &e;
  }
  return nullptr;
}

}  // namespace

Status Stage::plan_endpoint(Attachment& a, Network& net, const std::string& ip,
                            const std::vector<std::string>& aliases) {
  Endpoint e;
  e.network_id = net.spec.id;
  e.network_name = net.spec.name;
  e.prefix = net.spec.subnet.prefix;
  e.gateway = net.spec.gateway;
  e.ifname = free_ifname(a.endpoints);
  e.host_ifname = random_veth_name();
  e.aliases = aliases;
  if (!ip.empty()) {
    ASUP_TRY(auto requested, parse_ipv4(ip));
    auto got = net.ipam.allocate(a.container_id, requested);
    if (!got) return fail(got.error().code, got.error().message);
    e.address = got.value();
  } else {
    auto last = std::find_if(a.last_endpoints.begin(), a.last_endpoints.end(),
                             [&](const Endpoint& l) { return l.network_id == net.spec.id; });
    const bool had = last != a.last_endpoints.end();
    auto got =
        had ? net.ipam.allocate(a.container_id, last->address) : net.ipam.allocate(a.container_id);
    if (!got && had) got = net.ipam.allocate(a.container_id);
    if (!got && got.error().code == ENOSPC)
      return fail(ENOSPC, "no available IPv4 addresses on this network's address pools: " +
                              net.spec.name + " (" + net.spec.id + ")");
    if (!got) return got.error();
    e.address = got.value();
  }
  e.mac = mac_for(e.address);
  a.endpoints.push_back(std::move(e));
  return ok();
}

Status Stage::plan_ports(Attachment& a, const Network& net) {
  if (net.spec.internal && !a.publish.empty())
    return fail(EINVAL, "ports cannot be published on internal network " + net.spec.name);
  std::vector<PortMapping> wanted;
  for (auto& spec : a.publish) {
    ASUP_TRY(auto mappings, parse_port_spec(spec));
    wanted.insert(wanted.end(), mappings.begin(), mappings.end());
  }
  auto held = reserve_all(wanted);
  if (!held)
    return fail(held.error().code, "driver failed programming external connectivity on endpoint " +
                                       a.name + " (" + a.container_id.substr(0, 12) +
                                       "): " + held.error().message);
  const Endpoint& e = a.endpoints.back();
  for (auto& reservation : held.value())
    a.ports.push_back({reservation.mapping(), e.address, e.network_id});
  a.port_holds = std::move(held).value();
  return ok();
}

Status Stage::plan(Attachment& a) {
  if (!has_addresses(a.mode)) return ok();
  ASUP_TRY(auto* net, network_for(a.mode));
  ASUP_TRY(plan_endpoint(a, *net, a.requested_ip, a.aliases));
  if (!a.requested_mac.empty()) a.endpoints.back().mac = a.requested_mac;
  ASUP_TRY(plan_ports(a, *net));
  // The networks it was connected to besides, while they still exist.
  for (auto& last : a.last_endpoints) {
    if (last.network_id == net->spec.id) continue;
    auto* other = networks_->find_by_id(last.network_id);
    if (!other) continue;
    ASUP_TRY(plan_endpoint(a, *other, "", last.aliases));
  }
  return ok();
}

Status Stage::wire_endpoint(const Attachment& a, const Endpoint& e, pid_t pid, int pidfd) {
  auto* net = networks_->find_by_id(e.network_id);
  if (!net) return fail(ENOENT, "network " + e.network_name + " is gone");
  ASUP_TRY(auto bridge, route_.link_index(net->spec.bridge));
  ASUP_TRY(route_.add_veth(e.host_ifname, bridge, e.ifname, pid, e.mac));
  ASUP_TRY(auto inside, RouteSocket::open_in(pidfd, host_netns_.get()));
  ASUP_TRY(auto index, inside.link_index(e.ifname));
  ASUP_TRY(inside.add_address(index, {e.address, e.prefix}));
  ASUP_TRY(inside.set_up(index));
  if (&e == &a.endpoints.front()) {
    ASUP_TRY(inside.set_up(1));  // lo
  }
  // The first network carries the default route, as Docker's first endpoint does; an
  // internal network never does: nothing may leave it.
  if (&e == default_route_endpoint(a, *networks_)) {
    ASUP_TRY(inside.add_default_route(index, e.gateway));
  }
  return ok();
}

Status Stage::wire(Attachment& a, pid_t pid, int pidfd) {
  if (a.mode == "host" || !shared_netns_container(a.mode).empty()) return ok();
  if (a.endpoints.empty()) {
    // --network none: only lo, up, as Docker leaves it.
    ASUP_TRY(auto inside, RouteSocket::open_in(pidfd, host_netns_.get()));
    return inside.set_up(1);
  }
  for (auto& e : a.endpoints) {
    ASUP_TRY(wire_endpoint(a, e, pid, pidfd));
  }
  if (!a.ports.empty()) {
    auto& e = a.endpoints.front();
    auto* net = networks_->find_by_id(e.network_id);
    ASUP_TRY(nft_apply(add_ports_script(net->spec.nft_table(), ports_on(a.ports, e.network_id))));
    a.ports_programmed = true;
  }
  return ok();
}

void Stage::release(Attachment& a, const Attachments& all) {
  for (auto& e : a.endpoints) {
    auto* net = networks_->find_by_id(e.network_id);
    if (!net) continue;
    auto ports = ports_on(a.ports, e.network_id);
    if (!ports.empty() && a.ports_programmed)
      if (auto r = nft_apply(remove_ports_script(net->spec.nft_table(), ports)); !r)
        spdlog::warn("container {}: {}", a.container_id.substr(0, 12), r.error().describe());
    net->ipam.release(a.container_id);
  }
  a.ports_programmed = false;
  a.port_holds.clear();
  auto endpoints = std::move(a.endpoints);
  a.endpoints.clear();
  if (!endpoints.empty()) a.last_endpoints = endpoints;
  a.ports.clear();
  refresh_peer_hosts(endpoints, &a, all);
}

}  // namespace asup::network
