// `network connect` and `network disconnect` of a running container.
#include <algorithm>

#include "network/nat_rules.hpp"
#include "network/stage.hpp"

namespace asup::network {

Status Stage::can_connect(const Attachment& a, const Network& net) const {
  if (!shared_netns_container(a.mode).empty())
    return fail(EINVAL,
                "container sharing network namespace with another container or host cannot be "
                "connected to any other network");
  if (a.mode == "host" || a.mode == "none")
    return fail(EINVAL,
                "container cannot be disconnected from host network or connected to host "
                "network, nor connected while it uses network mode " +
                    a.mode);
  for (auto& e : a.endpoints)
    if (e.network_id == net.spec.id)
      return fail(EEXIST,
                  "endpoint with name " + a.name + " already exists in network " + net.spec.name);
  return ok();
}

Status Stage::connect(Attachment& a, Network& net, pid_t pid, int pidfd, const std::string& ip,
                      const std::vector<std::string>& aliases) {
  ASUP_TRY(plan_endpoint(a, net, ip, aliases));
  if (auto r = wire_endpoint(a, a.endpoints.back(), pid, pidfd); !r) {
    // A veth made before the failing step goes too (its host end takes the peer along); a
    // rare path, so the deletion's cost on the loop is accepted here.
    (void)route_.delete_link(a.endpoints.back().host_ifname);
    net.ipam.release(a.container_id);  // one endpoint per network: only this address
    a.endpoints.pop_back();
    return fail(r.error().code, r.error().describe());
  }
  return ok();
}

Result<Endpoint> Stage::disconnect(Attachment& a, Network& net) {
  auto it = std::find_if(a.endpoints.begin(), a.endpoints.end(),
                         [&](const Endpoint& e) { return e.network_id == net.spec.id; });
  if (it == a.endpoints.end())
    return fail(ENOENT,
                "container " + a.container_id + " is not connected to network " + net.spec.name);
  Endpoint gone = *it;
  std::vector<PublishedPort> kept, dropped;
  for (auto& p : a.ports) (p.network_id == gone.network_id ? dropped : kept).push_back(p);
  if (!dropped.empty() && a.ports_programmed)
    (void)nft_apply(remove_ports_script(net.spec.nft_table(), dropped));
  a.ports = kept;
  a.endpoints.erase(it);
  net.ipam.release(a.container_id);
  return gone;
}

Status delete_link_in(int pidfd, int home_netns, const std::string& ifname) {
  ASUP_TRY(auto inside, RouteSocket::open_in(pidfd, home_netns));
  return inside.delete_link(ifname);
}

}  // namespace asup::network
