#include "engine/run_network.hpp"

#include <algorithm>

#include "network/attachment.hpp"
#include "network/port_spec.hpp"

namespace asup::engine {
namespace {

void add_unique(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

// Config.ExposedPorts: the image's, the container ports of -p, then --expose.
Result<std::vector<std::string>> exposed_ports(const api::RunRequest& r,
                                               const image::ImageConfig& image) {
  std::vector<std::string> out;
  for (auto& port : image.exposed_ports) add_unique(out, network::port_key(port));
  for (auto& spec : r.publish) {
    auto mappings = network::parse_port_spec(spec);
    if (!mappings) continue;  // merge_network reports it
    for (auto& m : mappings.value())
      add_unique(out,
                 std::to_string(m.container_port) + "/" + std::string(network::to_string(m.proto)));
  }
  for (auto& spec : r.expose) {
    ASUP_TRY(auto ports, network::parse_expose(spec));
    for (auto& port : ports) add_unique(out, port);
  }
  return out;
}

}  // namespace

Status check_shared_netns_conflicts(const api::RunRequest& r) {
  // The host's interfaces keep their own addresses.
  if (r.network == "host" && !r.mac_address.empty())
    return fail("conflicting options: mac-address and the network mode");
  if (network::shared_netns_container(r.network).empty()) return ok();
  if (r.hostname) return fail("conflicting options: hostname and the network mode");
  if (!r.dns.empty() || !r.dns_search.empty() || !r.dns_options.empty())
    return fail("conflicting options: dns and the network mode");
  if (!r.add_hosts.empty())
    return fail("conflicting options: custom host-to-IP mapping and the network mode");
  if (!r.mac_address.empty()) return fail("conflicting options: mac-address and the network mode");
  if (!r.publish.empty() || r.publish_all)
    return fail("conflicting options: port publishing and the container type network mode");
  if (!r.expose.empty())
    return fail("conflicting options: port exposing and the container type network mode");
  if (!r.ip.empty())
    return fail("user specified IP address is supported on user defined networks only");
  if (!r.network_aliases.empty())
    return fail(EINVAL,
                "network-scoped alias is supported only for containers in user defined networks");
  return ok();
}

Status merge_network_options(const api::RunRequest& r, const image::ImageConfig& image,
                             ContainerConfig& c) {
  ASUP_TRY(check_shared_netns_conflicts(r));
  network::NetOptions& o = c.net_options;
  for (auto& entry : r.add_hosts) {
    ASUP_TRY(auto host, network::parse_extra_host(entry));
    o.extra_hosts.push_back(std::move(host));
  }
  for (auto& server : r.dns) {
    ASUP_TRY(auto address, network::parse_dns_server(server));
    o.dns.push_back(std::move(address));
  }
  for (auto& domain : r.dns_search) {
    ASUP_TRY(auto name, network::parse_dns_search(domain));
    o.dns_search.push_back(std::move(name));
  }
  o.dns_options = r.dns_options;
  if (!r.mac_address.empty()) {
    ASUP_TRY(o.mac_address, network::parse_mac_address(r.mac_address));
  }
  ASUP_TRY(o.exposed_ports, exposed_ports(r, image));
  // -P publishes --expose's ports too, each on a port the kernel picks (the image's are
  // in already: merge_network).
  if (r.publish_all) {
    for (auto& spec : r.expose) {
      ASUP_TRY(auto ports, network::parse_expose(spec));
      for (auto& port : ports)
        if (port.find("/sctp") == std::string::npos) add_unique(c.publish, port);
    }
  }
  return ok();
}

}  // namespace asup::engine
