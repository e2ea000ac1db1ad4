#include "engine/network_view.hpp"

#include "core/time_format.hpp"
#include "network/port_spec.hpp"

namespace asup::engine {
namespace {

std::string port_key(int port, const std::string& proto) {
  return std::to_string(port) + "/" + proto;
}

}  // namespace

network::PortMapping to_mapping(const PublishedPort& p) {
  network::PortMapping m;
  m.host_ip = p.host_ip;
  m.host_port = p.host_port;
  m.container_port = p.container_port;
  m.proto = p.protocol == "udp" ? network::Protocol::udp : network::Protocol::tcp;
  return m;
}

std::vector<network::PublishedPort> nat_ports(const std::vector<PublishedPort>& ports,
                                              const std::string& network_id) {
  std::vector<network::PublishedPort> out;
  for (auto& p : ports)
    if (p.network_id == network_id) out.push_back({to_mapping(p), p.container_ip});
  return out;
}

std::vector<api::PublishedPort> api_ports(const std::vector<PublishedPort>& ports) {
  std::vector<api::PublishedPort> out;
  for (auto& p : ports)
    out.push_back({network::format_ipv4(p.host_ip), p.host_port, p.container_port, p.protocol});
  return out;
}

nlohmann::json port_bindings(const ContainerConfig& config) {
  nlohmann::json out = nlohmann::json::object();
  for (auto& spec : config.publish) {
    auto mappings = network::parse_port_spec(spec);
    if (!mappings) continue;
    for (auto& m : mappings.value()) {
      auto key = port_key(m.container_port, m.proto == network::Protocol::udp ? "udp" : "tcp");
      if (!out.contains(key)) out[key] = nlohmann::json::array();
      out[key].push_back({{"HostIp", m.host_ip ? network::format_ipv4(m.host_ip) : ""},
                          {"HostPort", m.host_port ? std::to_string(m.host_port) : ""}});
    }
  }
  return out;
}

std::vector<std::string> network_names(const Instance& c) {
  std::vector<std::string> out;
  for (auto& e : c.state.endpoints) out.push_back(e.network_name);
  if (out.empty()) out.push_back(c.config.network_mode);
  return out;
}

nlohmann::json network_settings(const Instance& c) {
  nlohmann::json ports = nlohmann::json::object();
  for (auto& p : c.state.ports) {
    auto key = port_key(p.container_port, p.protocol);
    if (!ports.contains(key)) ports[key] = nlohmann::json::array();
    ports[key].push_back(
        {{"HostIp", network::format_ipv4(p.host_ip)}, {"HostPort", std::to_string(p.host_port)}});
  }
  nlohmann::json networks = nlohmann::json::object();
  for (auto& e : c.state.endpoints)
    networks[e.network_name] = {
        {"NetworkID", e.network_id}, {"IPAddress", network::format_ipv4(e.address)},
        {"IPPrefixLen", e.prefix},   {"Gateway", network::format_ipv4(e.gateway)},
        {"MacAddress", e.mac},       {"Aliases", e.aliases}};
  if (c.state.endpoints.empty() && c.config.network_mode != "bridge" &&
      c.config.network_mode.size())
    networks[c.config.network_mode] = nlohmann::json::object();
  nlohmann::json out{{"Ports", ports},   {"Networks", networks}, {"IPAddress", ""},
                     {"IPPrefixLen", 0}, {"Gateway", ""},        {"MacAddress", ""}};
  if (!c.state.endpoints.empty()) {
    auto& e = c.state.endpoints.front();
    out["IPAddress"] = network::format_ipv4(e.address);
    out["IPPrefixLen"] = e.prefix;
    out["Gateway"] = network::format_ipv4(e.gateway);
    out["MacAddress"] = e.mac;
  }
  return out;
}

nlohmann::json network_inspect_json(const network::Network& net,
                                    const std::map<std::string, std::unique_ptr<Instance>>& all) {
  nlohmann::json containers = nlohmann::json::object();
  for (auto& [id, c] : all)
    for (auto& e : c->state.endpoints)
      if (e.network_id == net.spec.id)
        containers[id] = {
            {"Name", c->config.name},
            {"IPv4Address", network::format_ipv4(e.address) + "/" + std::to_string(e.prefix)},
            {"MacAddress", e.mac}};
  return {{"Name", net.spec.name},
          {"Id", net.spec.id},
          {"Created", rfc3339(net.spec.created_ns)},
          {"Scope", "local"},
          {"Driver", "bridge"},
          {"Internal", net.spec.internal},
          {"IPAM",
           {{"Driver", "default"},
            {"Config",
             {{{"Subnet", net.spec.subnet.to_string()},
               {"Gateway", network::format_ipv4(net.spec.gateway)}}}}}},
          {"Options", {{"com.docker.network.bridge.name", net.spec.bridge}}},
          {"Containers", containers}};
}

}  // namespace asup::engine
