#include "network/attachment.hpp"

namespace asup::network {

bool has_addresses(const std::string& mode) {
  return mode != "none" && mode != "host" && shared_netns_container(mode).empty();
}

std::string shared_netns_container(const std::string& mode) {
  return mode.rfind("container:", 0) == 0 ? mode.substr(10) : "";
}

std::vector<PublishedPort> ports_on(const std::vector<PublishedPort>& ports,
                                    const std::string& network_id) {
  std::vector<PublishedPort> out;
  for (auto& p : ports)
    if (p.network_id == network_id) out.push_back(p);
  return out;
}

std::vector<PublishedPort> ports_matching(const std::vector<PublishedPort>& ports,
                                          const std::string& filter) {
  std::vector<PublishedPort> out;
  for (auto& p : ports) {
    std::string key =
        std::to_string(p.mapping.container_port) + "/" + std::string(to_string(p.mapping.proto));
    if (filter.empty() || filter == key || filter + "/tcp" == key) out.push_back(p);
  }
  return out;
}

}  // namespace asup::network
