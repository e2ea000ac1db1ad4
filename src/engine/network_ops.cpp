// Requests about networks: network create/ls/inspect/rm/connect/disconnect, and port.
#include <fcntl.h>

#include <spdlog/spdlog.h>
#include <algorithm>

#include "asup/protocol.hpp"
#include "core/fs.hpp"
#include "engine/engine.hpp"
#include "engine/network_view.hpp"
#include "network/nat_rules.hpp"
#include "network/port_spec.hpp"

namespace asup::engine {
namespace {

constexpr int kFailed = 1;

api::NetworkSummary pseudo_network(const std::string& name, const std::string& driver) {
  api::NetworkSummary out;
  out.id = std::string(64, name == "host" ? 'a' : 'b');
  out.name = name;
  out.driver = driver;
  return out;
}

}  // namespace

void Engine::network_create(const CallerPtr& s, const api::NetworkCreateRequest& req) {
  const std::string& driver = req.driver;
  if (driver != "bridge") {
    s->send_error(kFailed, "plugin \"" + driver + "\" not found: only the bridge driver exists");
    return;
  }
  network::CreateRequest create{req.name, req.subnet, req.gateway, req.internal};
  auto net = networks_->create(create, host_subnets());
  if (!net) {
    s->send_error(kFailed, net.error().message);
    return;
  }
  if (auto r = bring_up(*net.value()); !r) {
    // Nothing half-made stays: no bridge, no table, no definition.
    (void)tear_down(*net.value());
    (void)networks_->remove(net.value()->spec.id);
    s->send_error(kFailed, r.error().describe());
    return;
  }
  s->reply(api::IdResult{net.value()->spec.id});
}

void Engine::network_ls(const CallerPtr& s, const api::NetworkLsRequest&) {
  api::NetworkLsResult result;
  for (auto* net : networks_->list()) {
    int users = 0;
    for (auto& [id, c] : containers_)
      for (auto& e : c->state.endpoints) users += e.network_id == net->spec.id;
    result.networks.push_back({net->spec.id, net->spec.name, "bridge", "local",
                               net->spec.subnet.to_string(),
                               network::format_ipv4(net->spec.gateway), net->spec.bridge,
                               net->spec.internal, net->spec.created_ns, users});
  }
  result.networks.push_back(pseudo_network("host", "host"));
  result.networks.push_back(pseudo_network("none", "null"));
  s->reply(result);
}

void Engine::network_inspect(const CallerPtr& s, const api::NetworkInspectRequest& req) {
  api::InspectResult result;
  for (auto& name : req.names) {
    auto net = name == "bridge" ? Result<network::Network*>{&networks_->default_network()}
                                : networks_->find(name);
    if (!net)
      result.errors.push_back(net.error().message);
    else
      result.items.push_back(network_inspect_json(*net.value(), containers_));
  }
  s->reply(result);
}

void Engine::network_rm(const CallerPtr& s, const api::NetworkRmRequest& req) {
  api::OutcomesResult result;
  for (auto& name : req.names) {
    auto item = api::Outcome::success(name);
    auto net = networks_->find(name);
    if (network::is_reserved_network_name(name) || (net && net.value()->spec.is_default)) {
      item.error = name + " is a pre-defined network and cannot be removed";
    } else if (!net) {
      item.error = net.error().message;
    } else if (!net.value()->ipam.allocated().empty()) {
      item.error = "error while removing network: network " + net.value()->spec.name + " id " +
                   net.value()->spec.id + " has active endpoints";
    } else if (auto r = tear_down(*net.value()); !r) {
      item.error = r.error().describe();
    } else if (auto removed = networks_->remove(net.value()->spec.id); !removed) {
      item.error = removed.error().describe();
    }
    result.results.push_back(item);
  }
  s->reply(result);
}

Result<std::pair<network::Network*, Instance*>> Engine::connection_target(
    const std::string& network, const std::string& container) {
  ASUP_TRY(auto* net, network_for(network));
  ASUP_TRY(auto* c, find(container));
  return std::pair{net, c};
}

void Engine::endpoints_changed(Instance& c, const std::vector<Endpoint>& touched) {
  if (auto r = persist_state(c); !r) spdlog::warn("{}", r.error().describe());
  if (auto r = fs::write_file(fs::join(c.run_dir, "hosts"), hosts_content(c)); !r)
    spdlog::warn("{}", r.error().describe());
  refresh_peer_hosts(touched, &c);
}

void Engine::network_connect(const CallerPtr& s, const api::NetworkConnectRequest& req) {
  auto target = connection_target(req.network, req.container);
  if (!target) {
    s->send_error(kFailed, target.error().message);
    return;
  }
  auto [net, found] = target.value();
  Instance& c = *found;
  if (!c.running() || !c.watch) {
    s->send_error(kFailed, "container " + c.config.name + " is not running");
    return;
  }
  if (c.config.network_mode == "host" || c.config.network_mode == "none") {
    s->send_error(kFailed,
                  "container cannot be disconnected from host network or connected to "
                  "host network, nor connected while it uses network mode " +
                      c.config.network_mode);
    return;
  }
  for (auto& e : c.state.endpoints)
    if (e.network_id == net->spec.id) {
      s->send_error(kFailed, "endpoint with name " + c.config.name + " already exists in network " +
                                 net->spec.name);
      return;
    }
  auto planned = plan_endpoint(c, *net, req.ip, req.aliases);
  if (!planned) {
    s->send_error(kFailed, planned.error().message);
    return;
  }
  if (auto r = wire_endpoint(c, c.state.endpoints.back(), c.watch->fd()); !r) {
    // A veth made before the failing step goes too (its host end takes the peer along); a
    // rare path, so the deletion's cost on the loop is accepted here.
    (void)host_route_->delete_link(c.state.endpoints.back().host_ifname);
    net->ipam.release(c.config.id);  // one endpoint per network: only this address
    c.state.endpoints.pop_back();
    s->send_error(kFailed, r.error().describe());
    return;
  }
  endpoints_changed(c, c.state.endpoints);
  s->reply(api::Done{});
}

void Engine::network_disconnect(const CallerPtr& s, const api::NetworkDisconnectRequest& req) {
  auto target = connection_target(req.network, req.container);
  if (!target) {
    s->send_error(kFailed, target.error().message);
    return;
  }
  auto [net, found] = target.value();
  Instance& c = *found;
  auto it = std::find_if(c.state.endpoints.begin(), c.state.endpoints.end(),
                         [&](const Endpoint& e) { return e.network_id == net->spec.id; });
  if (it == c.state.endpoints.end()) {
    s->send_error(kFailed,
                  "container " + c.config.id + " is not connected to network " + net->spec.name);
    return;
  }
  Endpoint gone = *it;
  std::vector<PublishedPort> kept, dropped;
  for (auto& p : c.state.ports) (p.network_id == gone.network_id ? dropped : kept).push_back(p);
  if (!dropped.empty() && c.ports_programmed)
    (void)nft_apply(
        network::remove_ports_script(net->spec.nft_table(), nat_ports(dropped, gone.network_id)));
  c.state.ports = kept;
  c.state.endpoints.erase(it);
  net->ipam.release(c.config.id);
  endpoints_changed(c, {gone});
  if (!c.watch || !c.running()) {
    s->reply(api::Done{});
    return;
  }
  // Deleting a veth waits for the kernel's RCU grace periods (~17 ms): a worker thread
  // enters the container's namespace for it, and the loop goes on starting containers.
  UniqueFd pidfd{::fcntl(c.watch->fd(), F_DUPFD_CLOEXEC, 0)};
  int home = host_netns_.get();
  std::string ifname = gone.ifname;
  loop_.offload(
      [pidfd = std::make_shared<UniqueFd>(std::move(pidfd)), home, ifname]() -> Status {
        if (!*pidfd) return fail(EBADF, "duplicate the container's pidfd");
        ASUP_TRY(auto inside, network::RouteSocket::open_in(pidfd->get(), home));
        return inside.delete_link(ifname);
      },
      [s](Status r) {
        if (!r && r.error().code != ENODEV)
          s->send_error(kFailed, r.error().describe());
        else
          s->reply(api::Done{});
      });
}

void Engine::port(const CallerPtr& s, const api::PortRequest& req) {
  auto found = find(req.id);
  if (!found) {
    s->send_error(kFailed, found.error().message);
    return;
  }
  Instance& c = *found.value();
  const std::string& filter = req.port;
  std::vector<PublishedPort> ports;
  for (auto& p : c.state.ports) {
    std::string key = std::to_string(p.container_port) + "/" + p.protocol;
    if (filter.empty() || filter == key || filter + "/tcp" == key) ports.push_back(p);
  }
  s->reply(api::PortResult{api_ports(ports)});
}

}  // namespace asup::engine
