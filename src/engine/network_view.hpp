// How containers' network state and networks look to clients: the ps summary fields,
// Docker's NetworkSettings / PortBindings in inspect, and `network ls` / `network inspect`.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/replies.hpp"
#include "engine/instance.hpp"
#include "network/networks.hpp"

namespace asup::engine {

using Containers = std::map<std::string, std::unique_ptr<Instance>>;

// For ps and port.
std::vector<api::PublishedPort> api_ports(const std::vector<network::PublishedPort>& ports);
// Docker's HostConfig.PortBindings: what was asked for, {"80/tcp":[{HostIp,HostPort}]}.
nlohmann::json port_bindings(const ContainerConfig& config);
std::vector<std::string> network_names(const Instance& c);
nlohmann::json network_settings(const Instance& c);
// inspect's HostConfig.Dns, DnsSearch, DnsOptions, ExtraHosts and Config.ExposedPorts,
// MacAddress, added to a container's inspect document.
void add_net_options_view(const ContainerConfig& config, nlohmann::json& inspect);
// A `network ls` row: the network and how many containers hold an endpoint on it.
api::NetworkSummary network_summary(const network::Network& net, const Containers& all);
nlohmann::json network_inspect_json(const network::Network& net, const Containers& all);

}  // namespace asup::engine
