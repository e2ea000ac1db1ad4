// How containers' network state and networks look to clients: the ps summary fields,
// Docker's NetworkSettings / PortBindings in inspect, and `network inspect` objects.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/replies.hpp"
#include "engine/instance.hpp"
#include "network/nat_rules.hpp"
#include "network/networks.hpp"

namespace asup::engine {

network::PortMapping to_mapping(const PublishedPort& port);
// The container's ports whose DNAT lives in `network_id`'s table, as the NAT plan takes them.
std::vector<network::PublishedPort> nat_ports(const std::vector<PublishedPort>& ports,
                                              const std::string& network_id);
// For ps and port.
std::vector<api::PublishedPort> api_ports(const std::vector<PublishedPort>& ports);
// Docker's HostConfig.PortBindings: what was asked for, {"80/tcp":[{HostIp,HostPort}]}.
nlohmann::json port_bindings(const ContainerConfig& config);
std::vector<std::string> network_names(const Instance& c);
nlohmann::json network_settings(const Instance& c);
nlohmann::json network_inspect_json(const network::Network& net,
                                    const std::map<std::string, std::unique_ptr<Instance>>& all);

}  // namespace asup::engine
