// Requests about networks: network create/ls/inspect/rm/connect/disconnect, and port.
#include <fcntl.h>

#include <spdlog/spdlog.h>
#include <algorithm>

#include "asup/protocol.hpp"
#include "core/fs.hpp"
#include "network/nat_rules.hpp"
#include "network/port_spec.hpp"
#include "supervisor/network_view.hpp"
#include "supervisor/supervisor.hpp"

namespace asup::supervisor {
namespace {

constexpr int kFailed = 1;

nlohmann::json pseudo_network(const std::string& name, const std::string& driver) {
  return {{"id", std::string(64, name == "host" ? 'a' : 'b')},
          {"name", name},
          {"driver", driver},
          {"scope", "local"},
          {"subnet", ""},
          {"gateway", ""},
          {"bridge", ""},
          {"created", 0},
          {"containers", 0}};
}

}  // namespace

void Supervisor::op_network_create(const SessionPtr& s, const nlohmann::json& req) {
  std::string driver = req.value("driver", "bridge");
  if (driver != "bridge") {
    s->send_error(kFailed, "plugin \"" + driver + "\" not found: only the bridge driver exists");
    return;
  }
  network::CreateRequest create{req.value("name", ""), req.value("subnet", ""),
                                req.value("gateway", ""), req.value("internal", false)};
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
  s->send({{"type", "result"}, {"id", net.value()->spec.id}});
}

void Supervisor::op_network_ls(const SessionPtr& s, const nlohmann::json&) {
  nlohmann::json out = nlohmann::json::array();
  for (auto* net : networks_->list()) {
    int users = 0;
    for (auto& [id, c] : containers_)
      for (auto& e : c->state.endpoints) users += e.network_id == net->spec.id;
    out.push_back({{"id", net->spec.id},
                   {"name", net->spec.name},
                   {"driver", "bridge"},
                   {"scope", "local"},
                   {"subnet", net->spec.subnet.to_string()},
                   {"gateway", network::format_ipv4(net->spec.gateway)},
                   {"bridge", net->spec.bridge},
                   {"internal", net->spec.internal},
                   {"created", net->spec.created_ns},
                   {"containers", users}});
  }
  out.push_back(pseudo_network("host", "host"));
  out.push_back(pseudo_network("none", "null"));
  s->send({{"type", "result"}, {"networks", out}});
}

void Supervisor::op_network_inspect(const SessionPtr& s, const nlohmann::json& req) {
  nlohmann::json items = nlohmann::json::array(), errors = nlohmann::json::array();
  for (auto& name : req.value("names", std::vector<std::string>{})) {
    auto net = name == "bridge" ? Result<network::Network*>{&networks_->default_network()}
                                : networks_->find(name);
    if (!net)
      errors.push_back(net.error().message);
    else
      items.push_back(network_inspect_json(*net.value(), containers_));
  }
  s->send({{"type", "result"}, {"items", items}, {"errors", errors}});
}

void Supervisor::op_network_rm(const SessionPtr& s, const nlohmann::json& req) {
  nlohmann::json results = nlohmann::json::array();
  for (auto& name : req.value("names", std::vector<std::string>{})) {
    nlohmann::json item{{"name", name}};
    auto net = networks_->find(name);
    if (network::is_reserved_network_name(name) || (net && net.value()->spec.is_default)) {
      item["error"] = name + " is a pre-defined network and cannot be removed";
    } else if (!net) {
      item["error"] = net.error().message;
    } else if (!net.value()->ipam.allocated().empty()) {
      item["error"] = "error while removing network: network " + net.value()->spec.name + " id " +
                      net.value()->spec.id + " has active endpoints";
    } else if (auto r = tear_down(*net.value()); !r) {
      item["error"] = r.error().describe();
    } else if (auto removed = networks_->remove(net.value()->spec.id); !removed) {
      item["error"] = removed.error().describe();
    }
    results.push_back(item);
  }
  s->send({{"type", "result"}, {"results", results}});
}

Result<std::pair<network::Network*, Instance*>> Supervisor::connection_target(
    const nlohmann::json& req) {
  ASUP_TRY(auto* net, network_for(req.value("network", "")));
  ASUP_TRY(auto* c, find(req.value("container", "")));
  return std::pair{net, c};
}

void Supervisor::endpoints_changed(Instance& c, const std::vector<Endpoint>& touched) {
  if (auto r = persist_state(c); !r) spdlog::warn("{}", r.error().describe());
  if (auto r = fs::write_file(fs::join(c.run_dir, "hosts"), hosts_content(c)); !r)
    spdlog::warn("{}", r.error().describe());
  refresh_peer_hosts(touched, &c);
}

void Supervisor::op_network_connect(const SessionPtr& s, const nlohmann::json& req) {
  auto target = connection_target(req);
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
  auto aliases = req.value("aliases", std::vector<std::string>{});
  auto planned = plan_endpoint(c, *net, req.value("ip", ""), aliases);
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
  s->send({{"type", "result"}});
}

void Supervisor::op_network_disconnect(const SessionPtr& s, const nlohmann::json& req) {
  auto target = connection_target(req);
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
    s->send({{"type", "result"}});
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
          s->send({{"type", "result"}});
      });
}

void Supervisor::op_port(const SessionPtr& s, const nlohmann::json& req) {
  auto found = find(req.value("id", ""));
  if (!found) {
    s->send_error(kFailed, found.error().message);
    return;
  }
  Instance& c = *found.value();
  std::string filter = req.value("port", "");
  std::vector<PublishedPort> ports;
  for (auto& p : c.state.ports) {
    std::string key = std::to_string(p.container_port) + "/" + p.protocol;
    if (filter.empty() || filter == key || filter + "/tcp" == key) ports.push_back(p);
  }
  s->send({{"type", "result"}, {"ports", ports_json(ports)}});
}

}  // namespace asup::supervisor
