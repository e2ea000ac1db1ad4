// Requests about networks: network create/ls/inspect/rm/connect/disconnect, and port.
#include <fcntl.h>

#include <spdlog/spdlog.h>

#include "asup/protocol.hpp"
#include "core/fs.hpp"
#include "engine/engine.hpp"
#include "engine/naming.hpp"
#include "engine/network_view.hpp"
#include "network/hosts_file.hpp"

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
  auto net = network_->create_network({req.name, req.subnet, req.gateway, req.internal});
  if (!net) {
    s->send_error(kFailed, net.error().message);
    return;
  }
  s->reply(api::IdResult{net.value()->spec.id});
}

void Engine::network_ls(const CallerPtr& s, const api::NetworkLsRequest&) {
  api::NetworkLsResult result;
  for (auto* net : network_->networks().list())
    result.networks.push_back(network_summary(*net, containers_));
  result.networks.push_back(pseudo_network("host", "host"));
  result.networks.push_back(pseudo_network("none", "null"));
  s->reply(result);
}

void Engine::network_inspect(const CallerPtr& s, const api::NetworkInspectRequest& req) {
  auto& networks = network_->networks();
  api::InspectResult result;
  for (auto& name : req.names) {
    auto net = name == "bridge" ? Result<network::Network*>{&networks.default_network()}
                                : networks.find(name);
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
    if (auto r = network_->remove_network(name); !r) item.error = r.error().message;
    result.results.push_back(item);
  }
  s->reply(result);
}

Result<std::pair<network::Network*, Instance*>> Engine::connection_target(
    const std::string& network, const std::string& container) {
  ASUP_TRY(auto* net, network_->network_for(network));
  ASUP_TRY(auto* c, find(container));
  return std::pair{net, c};
}

void Engine::endpoints_changed(Instance& c, const std::vector<network::Endpoint>& touched) {
  if (auto r = persist_state(c); !r) spdlog::warn("{}", r.error().describe());
  if (auto r = fs::write_file(c.attachment.hosts_file, hosts_content(c)); !r)
    spdlog::warn("{}", r.error().describe());
  network::refresh_peer_hosts(touched, &c.attachment, all_attachments());
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
  auto connected = [&]() -> Status {
    ASUP_TRY(network_->can_connect(c.attachment, *net));
    for (auto& alias : req.aliases) {
      ASUP_TRY(check_name("network alias", alias));
    }
    return network_->connect(c.attachment, *net, c.state.pid, c.watch->fd(), req.ip, req.aliases);
  }();
  if (!connected) {
    s->send_error(kFailed, connected.error().message);
    return;
  }
  endpoints_changed(c, c.attachment.endpoints);
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
  auto gone = network_->disconnect(c.attachment, *net);
  if (!gone) {
    s->send_error(kFailed, gone.error().message);
    return;
  }
  endpoints_changed(c, {gone.value()});
  if (!c.watch || !c.running()) {
    s->reply(api::Done{});
    return;
  }
  // Deleting a veth waits for the kernel's RCU grace periods (~17 ms): a worker thread
  // enters the container's namespace for it, and the loop goes on starting containers.
  UniqueFd pidfd{::fcntl(c.watch->fd(), F_DUPFD_CLOEXEC, 0)};
  int home = network_->home_netns();
  std::string ifname = gone.value().ifname;
  loop_.offload(
      [pidfd = std::make_shared<UniqueFd>(std::move(pidfd)), home, ifname]() -> Status {
        if (!*pidfd) return fail(EBADF, "duplicate the container's pidfd");
        return network::delete_link_in(pidfd->get(), home, ifname);
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
  const auto& ports = found.value()->attachment.ports;
  s->reply(api::PortResult{api_ports(network::ports_matching(ports, req.port))});
}

}  // namespace asup::engine
