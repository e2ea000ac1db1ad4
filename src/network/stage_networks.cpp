// `network create` and `network rm`: a network's definition, bridge and table come and go
// together.
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <set>

#include "network/stage.hpp"

namespace asup::network {
namespace {

// The client is shown the error with the system's reason appended.
Error described(const Error& e) {
  return Error{e.code, e.describe()};
}

}  // namespace

std::vector<Subnet> Stage::host_subnets() {
  std::vector<Subnet> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  std::set<std::string> ours;
  for (auto* n : networks_->list()) ours.insert(n->spec.bridge);
  for (auto* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !a->ifa_netmask) continue;
    if (ours.count(a->ifa_name) || (a->ifa_flags & IFF_LOOPBACK)) continue;
    auto addr = ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr);
    auto mask = ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_netmask)->sin_addr.s_addr);
    int prefix = __builtin_popcount(mask);
    out.push_back({addr & mask, prefix});
  }
  ::freeifaddrs(list);
  return out;
}

Result<Network*> Stage::create_network(const CreateRequest& request) {
  ASUP_TRY(auto* net, networks_->create(request, host_subnets()));
  // A new network: no running container has a mapping on it yet.
  if (auto r = bring_up(*net, {}); !r) {
    // Nothing half-made stays: no bridge, no table, no definition.
    (void)tear_down(*net);
    (void)networks_->remove(net->spec.id);
    return fail(described(r.error()));
  }
  return net;
}

Status Stage::remove_network(const std::string& name) {
  auto net = networks_->find(name);
  if (is_reserved_network_name(name) || (net && net.value()->spec.is_default))
    return fail(EPERM, name + " is a pre-defined network and cannot be removed");
  if (!net) return net.error();
  auto& spec = net.value()->spec;
  if (!net.value()->ipam.allocated().empty())
    return fail(EBUSY, "error while removing network: network " + spec.name + " id " + spec.id +
                           " has active endpoints");
  if (auto r = tear_down(*net.value()); !r) return fail(described(r.error()));
  if (auto r = networks_->remove(spec.id); !r) return fail(described(r.error()));
  return ok();
}

}  // namespace asup::network
