#include "engine/network_view.hpp"

#include "core/time_format.hpp"
#include "network/port_spec.hpp"

namespace asup::engine {
namespace {

std::string port_key(int port, network::Protocol proto) {
  return std::to_string(port) + "/" + std::string(network::to_string(proto));
}

}  // namespace

std::vector<api::PublishedPort> api_ports(const std::vector<network::PublishedPort>& ports) {
  std::vector<api::PublishedPort> out;
  for (auto& p : ports)
    out.push_back({network::format_ipv4(p.mapping.host_ip), p.mapping.host_port,
                   p.mapping.container_port, std::string(network::to_string(p.mapping.proto))});
  return out;
}

nlohmann::json port_bindings(const ContainerConfig& config) {
  nlohmann::json out = nlohmann::json::object();
  for (auto& spec : config.publish) {
    auto mappings = network::parse_port_spec(spec);
    if (!mappings) continue;
    for (auto& m : mappings.value()) {
      auto key = port_key(m.container_port, m.proto);
      if (!out.contains(key)) out[key] = nlohmann::json::array();
      out[key].push_back({{"HostIp", m.host_ip ? network::format_ipv4(m.host_ip) : ""},
                          {"HostPort", m.host_port ? std::to_string(m.host_port) : ""}});
    }
  }
  return out;
}

std::vector<std::string> network_names(const Instance& c) {
  std::vector<std::string> out;
  for (auto& e : c.attachment.endpoints) out.push_back(e.network_name);
  if (out.empty()) out.push_back(c.config.network_mode);
  return out;
}

nlohmann::json network_settings(const Instance& c) {
  nlohmann::json ports = nlohmann::json::object();
  for (auto& p : c.attachment.ports) {
    auto key = port_key(p.mapping.container_port, p.mapping.proto);
    if (!ports.contains(key)) ports[key] = nlohmann::json::array();
    ports[key].push_back({{"HostIp", network::format_ipv4(p.mapping.host_ip)},
                          {"HostPort", std::to_string(p.mapping.host_port)}});
  }
  nlohmann::json networks = nlohmann::json::object();
  for (auto& e : c.attachment.endpoints)
    networks[e.network_name] = {
        {"NetworkID", e.network_id}, {"IPAddress", network::format_ipv4(e.address)},
        {"IPPrefixLen", e.prefix},   {"Gateway", network::format_ipv4(e.gateway)},
        {"MacAddress", e.mac},       {"Aliases", e.aliases}};
  // A container in another's namespace has no network of its own (Docker shows none).
  if (c.attachment.endpoints.empty() && c.config.network_mode != "bridge" &&
      c.config.network_mode.size() &&
      network::shared_netns_container(c.config.network_mode).empty())
    networks[c.config.network_mode] = nlohmann::json::object();
  nlohmann::json out{{"Ports", ports},   {"Networks", networks}, {"IPAddress", ""},
                     {"IPPrefixLen", 0}, {"Gateway", ""},        {"MacAddress", ""}};
  if (!c.attachment.endpoints.empty()) {
    auto& e = c.attachment.endpoints.front();
    out["IPAddress"] = network::format_ipv4(e.address);
    out["IPPrefixLen"] = e.prefix;
    out["Gateway"] = network::format_ipv4(e.gateway);
    out["MacAddress"] = e.mac;
  }
  return out;
}

void add_net_options_view(const ContainerConfig& config, nlohmann::json& inspect) {
  const auto& o = config.net_options;
  auto& host = inspect["HostConfig"];
  host["Dns"] = o.dns;
  host["DnsSearch"] = o.dns_search;
  host["DnsOptions"] = o.dns_options;
  host["ExtraHosts"] = o.extra_hosts;
  auto& cfg = inspect["Config"];
  nlohmann::json exposed = nlohmann::json::object();
  for (auto& port : o.exposed_ports) exposed[port] = nlohmann::json::object();
  cfg["ExposedPorts"] = exposed;
  cfg["MacAddress"] = o.mac_address;
}

api::NetworkSummary network_summary(const network::Network& net, const Containers& all) {
  int users = 0;
  for (auto& [id, c] : all)
    for (auto& e : c->attachment.endpoints) users += e.network_id == net.spec.id;
  return {net.spec.id,
          net.spec.name,
          "bridge",
          "local",
          net.spec.subnet.to_string(),
          network::format_ipv4(net.spec.gateway),
          net.spec.bridge,
          net.spec.internal,
          net.spec.created_ns,
          users};
}

nlohmann::json network_inspect_json(const network::Network& net, const Containers& all) {
  nlohmann::json containers = nlohmann::json::object();
  for (auto& [id, c] : all)
    for (auto& e : c->attachment.endpoints)
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
