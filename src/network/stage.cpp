// The stage's own state: opening it at asupd's start, resuming the networks with the
// containers still running, saving at shutdown, and each network's bridge and table.
#include "network/stage.hpp"

#include <spdlog/spdlog.h>
#include <set>

#include "network/nat_rules.hpp"

namespace asup::network {
namespace {

NatNetwork nat_network(const NetworkSpec& spec) {
  return {spec.nft_table(), spec.bridge, spec.subnet, spec.internal};
}

}  // namespace

Stage::Stage(std::unique_ptr<Networks> networks, UniqueFd host_netns, RouteSocket route,
             Nftables nft)
    : networks_(std::move(networks)),
      host_netns_(std::move(host_netns)),
      route_(std::move(route)),
      nft_(std::move(nft)) {}

Result<std::unique_ptr<Stage>> Stage::open(const std::string& root, const std::string& bridge,
                                           const std::string& subnet) {
  ASUP_TRY(auto networks, Networks::open(root, bridge, subnet));
  ASUP_TRY(auto host_netns, open_current_netns());
  ASUP_TRY(auto route, RouteSocket::open());
  ASUP_TRY(auto nft, Nftables::open());
  ASUP_TRY(write_sysctl("net/ipv4/ip_forward", "1"));
  return std::unique_ptr<Stage>(
      new Stage(std::move(networks), std::move(host_netns), std::move(route), std::move(nft)));
}

Result<Network*> Stage::network_for(const std::string& mode) {
  if (mode == "bridge") return &networks_->default_network();
  auto net = networks_->find(mode);
  if (!net) return fail(ENOENT, "network " + mode + " not found");
  return net;
}

Status Stage::resume(const std::vector<Attachment*>& running) {
  std::set<std::string> live;
  for (auto* a : running) live.insert(a->container_id);
  for (auto* net : networks_->list()) {
    std::vector<std::string> stale;
    for (auto& [addr, owner] : net->ipam.allocated())
      if (!live.count(owner)) stale.push_back(owner);
    for (auto& owner : stale) net->ipam.release(owner);
    std::vector<PublishedPort> ports;
    for (auto* a : running) {
      for (auto& e : a->endpoints) {
        if (e.network_id != net->spec.id) continue;
        if (auto r = net->ipam.hold(a->container_id, e.address); !r)
          spdlog::warn("container {}: {}", a->container_id.substr(0, 12), r.error().describe());
      }
      auto mine = ports_on(a->ports, net->spec.id);
      ports.insert(ports.end(), mine.begin(), mine.end());
    }
    if (auto r = net->ipam.save(); !r) spdlog::warn("{}", r.error().describe());
    ASUP_TRY(bring_up(*net, ports));
  }
  for (auto* a : running) hold_ports(*a);
  return ok();
}

void Stage::hold_ports(Attachment& a) {
  a.ports_programmed = !a.ports.empty();
  for (auto& p : a.ports) {
    auto held = reserve(p.mapping);
    if (held)
      a.port_holds.push_back(std::move(held).value());
    else
      spdlog::warn("container {}: {}", a.container_id.substr(0, 12), held.error().describe());
  }
}

void Stage::save() {
  for (auto* net : networks_->list())
    if (auto r = net->ipam.save(); !r) spdlog::warn("{}", r.error().describe());
}

Status Stage::bring_up(Network& net, const std::vector<PublishedPort>& live) {
  ASUP_TRY(route_.ensure_bridge(net.spec.bridge, {net.spec.gateway, net.spec.subnet.prefix}));
  // DNAT of connections to 127.0.0.1 routes loopback-sourced packets out of the bridge.
  ASUP_TRY(write_sysctl("net/ipv4/conf/" + net.spec.bridge + "/route_localnet", "1"));
  return nft_apply(network_table_script(nat_network(net.spec), live));
}

Status Stage::tear_down(Network& net) {
  ASUP_TRY(nft_apply(delete_table_script(net.spec.nft_table())));
  auto r = route_.delete_link(net.spec.bridge);
  if (!r && r.error().code != ENODEV) return r;
  return ok();
}

Status Stage::nft_apply(Result<std::string> script) {
  if (!script) return script.error();
  return nft_.run(script.value());
}

}  // namespace asup::network
