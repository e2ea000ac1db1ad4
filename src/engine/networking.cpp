// The network stage of the launch pipeline and its teardown: addresses from IPAM and port
// reservations before clone3, the veth pair and the container side (address, routes) right
// after it, while asup-init is still mounting the root filesystem, and the DNAT elements for
// published ports. The container's end of each veth dies with its network namespace, which
// takes the host end with it: teardown never deletes a link on the loop.
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <set>

#include "core/fs.hpp"
#include "engine/engine.hpp"
#include "engine/naming.hpp"
#include "engine/network_view.hpp"
#include "network/nat_rules.hpp"
#include "network/port_spec.hpp"

namespace asup::engine {
namespace {

bool has_addresses(const std::string& mode) {
  return mode != "none" && mode != "host";
}

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

const char* kHostsHeader =
    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
    "ff02::2\tip6-allrouters\n";

network::NatNetwork nat_network(const network::NetworkSpec& spec) {
  return {spec.nft_table(), spec.bridge, spec.subnet, spec.internal};
}

}  // namespace

std::string Engine::hosts_content(const Instance& c) const {
  std::string out = kHostsHeader;
  if (c.config.network_mode == "host") {
    auto host = fs::read_file("/etc/hosts");
    return host ? host.value() : out;
  }
  std::string self_names = c.config.hostname;
  if (c.state.endpoints.empty()) return out + "127.0.1.1\t" + self_names + "\n";
  for (auto& e : c.state.endpoints)
    out += network::format_ipv4(e.address) + "\t" + self_names + "\n";
  // Peers on the same user networks, by name, alias and short id (Docker answers these
  // through its embedded DNS; a hosts file the daemon keeps current serves the same names).
  std::set<std::string> lines;
  for (auto& e : c.state.endpoints) {
    if (e.network_name == "bridge") continue;
    for (auto& [id, other] : containers_) {
      if (other.get() == &c) continue;
      for (auto& oe : other->state.endpoints) {
        if (oe.network_id != e.network_id) continue;
        std::string names = other->config.name;
        for (auto& a : oe.aliases) names += " " + a;
        names += " " + id.substr(0, 12);
        lines.insert(network::format_ipv4(oe.address) + "\t" + names + "\n");
      }
    }
  }
  for (auto& l : lines) out += l;
  return out;
}

void Engine::refresh_peer_hosts(const std::vector<Endpoint>& endpoints, const Instance* self) {
  std::set<std::string> nets;
  for (auto& e : endpoints)
    if (e.network_name != "bridge") nets.insert(e.network_id);
  if (nets.empty()) return;
  for (auto& [id, other] : containers_) {
    if (other.get() == self || other->state.endpoints.empty()) continue;
    bool shares = false;
    for (auto& oe : other->state.endpoints) shares = shares || nets.count(oe.network_id);
    if (!shares) continue;
    // In place: the file is bind-mounted by inode, a rename would not be seen inside.
    if (auto r = fs::write_file(fs::join(other->run_dir, "hosts"), hosts_content(*other)); !r)
      spdlog::warn("container {}: {}", id.substr(0, 12), r.error().describe());
  }
}

Result<network::Network*> Engine::network_for(const std::string& mode) {
  if (mode == "bridge") return &networks_->default_network();
  auto net = networks_->find(mode);
  if (!net) return fail(ENOENT, "network " + mode + " not found");
  return net;
}

Status Engine::plan_endpoint(Instance& c, network::Network& net, const std::string& ip,
                             const std::vector<std::string>& aliases) {
  for (auto& alias : aliases) {
    ASUP_TRY(check_name("network alias", alias));
  }
  Endpoint e;
  e.network_id = net.spec.id;
  e.network_name = net.spec.name;
  e.prefix = net.spec.subnet.prefix;
  e.gateway = net.spec.gateway;
  // The lowest free ethN: after a disconnect, counting endpoints would reuse a live name.
  for (int n = 0; e.ifname.empty(); ++n) {
    std::string candidate = "eth" + std::to_string(n);
    bool taken = false;
    for (auto& other : c.state.endpoints) taken = taken || other.ifname == candidate;
    if (!taken) e.ifname = candidate;
  }
  e.host_ifname = random_veth_name();
  e.aliases = aliases;
  if (!ip.empty()) {
    ASUP_TRY(auto requested, network::parse_ipv4(ip));
    auto got = net.ipam.allocate(c.config.id, requested);
    if (!got) return fail(got.error().code, got.error().message);
    e.address = got.value();
  } else {
    auto got = net.ipam.allocate(c.config.id);
    if (!got && got.error().code == ENOSPC)
      return fail(ENOSPC, "no available IPv4 addresses on this network's address pools: " +
                              net.spec.name + " (" + net.spec.id + ")");
    if (!got) return got.error();
    e.address = got.value();
  }
  e.mac = network::mac_for(e.address);
  c.state.endpoints.push_back(std::move(e));
  return ok();
}

Status Engine::plan_network(Instance& c) {
  const auto& cfg = c.config;
  if (!has_addresses(cfg.network_mode)) return ok();
  ASUP_TRY(auto* net, network_for(cfg.network_mode));
  ASUP_TRY(plan_endpoint(c, *net, cfg.requested_ip, cfg.network_aliases));
  const Endpoint& e = c.state.endpoints.back();
  if (net->spec.internal && !cfg.publish.empty())
    return fail(EINVAL, "ports cannot be published on internal network " + net->spec.name);
  std::vector<network::PortMapping> wanted;
  for (auto& spec : cfg.publish) {
    ASUP_TRY(auto mappings, network::parse_port_spec(spec));
    wanted.insert(wanted.end(), mappings.begin(), mappings.end());
  }
  auto held = network::reserve_all(wanted);
  if (!held)
    return fail(held.error().code,
                "driver failed programming external connectivity on "
                "endpoint " +
                    cfg.name + " (" + cfg.id.substr(0, 12) + "): " + held.error().message);
  for (auto& reservation : held.value()) {
    auto& r = reservation.mapping();
    c.state.ports.push_back({r.host_ip, r.host_port, r.container_port,
                             std::string(network::to_string(r.proto)), e.network_id, e.address});
  }
  c.port_holds = std::move(held).value();
  return ok();
}

Status Engine::wire_endpoint(Instance& c, const Endpoint& e, int pidfd) {
  auto* net = networks_->find_by_id(e.network_id);
  if (!net) return fail(ENOENT, "network " + e.network_name + " is gone");
  ASUP_TRY(auto bridge, host_route_->link_index(net->spec.bridge));
  ASUP_TRY(host_route_->add_veth(e.host_ifname, bridge, e.ifname, c.state.pid, e.mac));
  ASUP_TRY(auto inside, network::RouteSocket::open_in(pidfd, host_netns_.get()));
  ASUP_TRY(auto index, inside.link_index(e.ifname));
  ASUP_TRY(inside.add_address(index, {e.address, e.prefix}));
  ASUP_TRY(inside.set_up(index));
  // The first network carries the default route, as Docker's first endpoint does.
  if (&e == &c.state.endpoints.front()) {
    ASUP_TRY(inside.set_up(1));  // lo
    ASUP_TRY(inside.add_default_route(index, e.gateway));
  }
  return ok();
}

Status Engine::wire_network(Instance& c, int pidfd) {
  if (c.config.network_mode == "host") return ok();
  if (c.state.endpoints.empty()) {
    // --network none: only lo, up, as Docker leaves it.
    ASUP_TRY(auto inside, network::RouteSocket::open_in(pidfd, host_netns_.get()));
    return inside.set_up(1);
  }
  for (auto& e : c.state.endpoints) {
    ASUP_TRY(wire_endpoint(c, e, pidfd));
  }
  if (!c.state.ports.empty()) {
    auto& e = c.state.endpoints.front();
    auto* net = networks_->find_by_id(e.network_id);
    ASUP_TRY(nft_apply(
        network::add_ports_script(net->spec.nft_table(), nat_ports(c.state.ports, e.network_id))));
    c.ports_programmed = true;
  }
  return ok();
}

void Engine::release_network(Instance& c) {
  for (auto& e : c.state.endpoints) {
    auto* net = networks_->find_by_id(e.network_id);
    if (!net) continue;
    auto ports = nat_ports(c.state.ports, e.network_id);
    if (!ports.empty() && c.ports_programmed)
      if (auto r = nft_apply(network::remove_ports_script(net->spec.nft_table(), ports)); !r)
        spdlog::warn("container {}: {}", c.config.id.substr(0, 12), r.error().describe());
    net->ipam.release(c.config.id);
  }
  c.ports_programmed = false;
  c.port_holds.clear();
  auto endpoints = std::move(c.state.endpoints);
  c.state.endpoints.clear();
  c.state.ports.clear();
  refresh_peer_hosts(endpoints, &c);
}

std::vector<network::Subnet> Engine::host_subnets() const {
  // Subnets on the host's other interfaces: a new network must not shadow them.
  std::vector<network::Subnet> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  std::set<std::string> ours;
  for (auto* n : networks_->list()) ours.insert(n->spec.bridge);
  for (auto* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !a->ifa_netmask) continue;
    if (ours.count(a->ifa_name) || (a->ifa_flags & IFF_LOOPBACK)) continue;
    auto addr = ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr);
    auto mask = ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_netmask)->sin_addr.s_addr);
    int prefix = __builtin_popcount(mask);
    out.push_back({addr & mask, prefix});
  }
  ::freeifaddrs(list);
  return out;
}

Status Engine::bring_up(network::Network& net) {
  ASUP_TRY(host_route_->ensure_bridge(net.spec.bridge, {net.spec.gateway, net.spec.subnet.prefix}));
  // DNAT of connections to 127.0.0.1 routes loopback-sourced packets out of the bridge.
  ASUP_TRY(network::write_sysctl("net/ipv4/conf/" + net.spec.bridge + "/route_localnet", "1"));
  std::vector<network::PublishedPort> live;
  for (auto& [id, c] : containers_)
    if (c->running()) {
      auto ports = nat_ports(c->state.ports, net.spec.id);
      live.insert(live.end(), ports.begin(), ports.end());
    }
  return nft_apply(network::network_table_script(nat_network(net.spec), live));
}

Status Engine::nft_apply(Result<std::string> script) {
  if (!script) return script.error();
  return nft_->run(script.value());
}

Status Engine::tear_down(network::Network& net) {
  ASUP_TRY(nft_apply(network::delete_table_script(net.spec.nft_table())));
  auto r = host_route_->delete_link(net.spec.bridge);
  if (!r && r.error().code != ENODEV) return r;
  return ok();
}

Status Engine::start_networks() {
  ASUP_TRY(networks_, network::Networks::open(options_.root, options_.bridge, options_.subnet));
  ASUP_TRY(host_netns_, network::open_current_netns());
  ASUP_TRY(auto route, network::RouteSocket::open());
  host_route_.emplace(std::move(route));
  ASUP_TRY(auto nft, network::Nftables::open());
  nft_ = std::make_unique<network::Nftables>(std::move(nft));
  ASUP_TRY(network::write_sysctl("net/ipv4/ip_forward", "1"));
  return ok();
}

Status Engine::resume_networks() {
  // After load_containers: the address table is what the running containers hold (the
  // saved table may be older than a crash), and each bridge's table is rebuilt with the
  // mappings of the containers still running.
  std::set<std::string> live;
  for (auto& [id, c] : containers_)
    if (c->running()) live.insert(id);
  for (auto* net : networks_->list()) {
    std::vector<std::string> stale;
    for (auto& [addr, owner] : net->ipam.allocated())
      if (!live.count(owner)) stale.push_back(owner);
    for (auto& owner : stale) net->ipam.release(owner);
    for (auto& [id, c] : containers_) {
      if (!c->running()) continue;
      for (auto& e : c->state.endpoints) {
        if (e.network_id != net->spec.id) continue;
        if (auto r = net->ipam.hold(id, e.address); !r)
          spdlog::warn("container {}: {}", id.substr(0, 12), r.error().describe());
      }
    }
    if (auto r = net->ipam.save(); !r) spdlog::warn("{}", r.error().describe());
    ASUP_TRY(bring_up(*net));
  }
  for (auto& [id, c] : containers_) {
    if (!c->running()) continue;
    c->ports_programmed = !c->state.ports.empty();
    for (auto& p : c->state.ports) {
      auto held = network::reserve(to_mapping(p));
      if (held)
        c->port_holds.push_back(std::move(held).value());
      else
        spdlog::warn("container {}: {}", id.substr(0, 12), held.error().describe());
    }
  }
  return ok();
}

}  // namespace asup::engine
