// The network stage of the launch pipeline and the networks it stands on. It owns the
// networks registry, asupd's own network namespace, the route socket in it and the nftables
// context, and works on each container's Attachment:
// - before clone3, plan(): an address from the network's IPAM and a bound socket holding
//   each published host port;
// - after clone3, while asup-init mounts the root filesystem, wire(): the veth pair, the
//   container side (address, routes) and the DNAT elements of its published ports;
// - at exit, release(): the DNAT elements, the port sockets and the addresses go.
// The container's end of each veth dies with its network namespace, which takes the host end
// with it: release never deletes a link on the loop.
//
// The operations requests ask for (create_network, remove_network, can_connect, connect,
// disconnect) fail with the text the client is shown as the error's message.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"
#include "network/attachment.hpp"
#include "network/netlink.hpp"
#include "network/networks.hpp"
#include "network/nftables.hpp"

namespace asup::network {

class Stage {
 public:
  // The networks under ROOT/networks, the default one on `bridge` with `subnet`, and IP
  // forwarding on.
  static Result<std::unique_ptr<Stage>> open(const std::string& root, const std::string& bridge,
                                             const std::string& subnet);

  Networks& networks() { return *networks_; }
  // A container's --network: "bridge" is the default network, anything else a user network.
  Result<Network*> network_for(const std::string& mode);

  // Once the containers are loaded, with those still running: each address table becomes
  // what they hold (the saved table may be older than a crash), each network's bridge and
  // table are rebuilt with their mappings, and their host ports are held again.
  Status resume(const std::vector<Attachment*>& running);
  // At shutdown: the address tables, which live in memory while asupd runs (see Ipam).
  void save();

  // The launch pipeline's steps (see above). `all` is every container's attachment, whose
  // hosts files release() refreshes.
  Status plan(Attachment& a);
  Status wire(Attachment& a, pid_t pid, int pidfd);
  void release(Attachment& a, const Attachments& all);

  // `network create`: validated, persisted and brought up, or nothing of it stays.
  Result<Network*> create_network(const CreateRequest& request);
  // `network rm` of one name: its table and bridge go, then its definition.
  Status remove_network(const std::string& name);

  // `network connect` of a running container: first whether it may (its mode, an endpoint
  // already there), then the endpoint planned and wired into its namespace.
  Status can_connect(const Attachment& a, const Network& net) const;
  Status connect(Attachment& a, Network& net, pid_t pid, int pidfd, const std::string& ip,
                 const std::vector<std::string>& aliases);
  // `network disconnect`: the endpoint leaves the attachment with its ports, whose DNAT
  // elements go; its address returns to IPAM. The link inside is the caller's to delete
  // (delete_link_in, off the loop). Answers the endpoint that went.
  Result<Endpoint> disconnect(Attachment& a, Network& net);

  // asupd's own network namespace, where a thread entering a container's comes back to.
  int home_netns() const { return host_netns_.get(); }

 private:
  Stage(std::unique_ptr<Networks> networks, UniqueFd host_netns, RouteSocket route, Nftables nft);

  Status plan_endpoint(Attachment& a, Network& net, const std::string& ip,
                       const std::vector<std::string>& aliases);
  Status plan_ports(Attachment& a, const Network& net);
  Status wire_endpoint(const Attachment& a, const Endpoint& e, pid_t pid, int pidfd);
  void hold_ports(Attachment& a);
  // The network's bridge and its table with `live`, the mappings of running containers.
  Status bring_up(Network& net, const std::vector<PublishedPort>& live);
  Status tear_down(Network& net);
  Status nft_apply(Result<std::string> script);
  // Subnets on the host's other interfaces: a new network must not shadow them.
  std::vector<Subnet> host_subnets();

  std::unique_ptr<Networks> networks_;
  UniqueFd host_netns_;
  RouteSocket route_;
  Nftables nft_;
};

// Deletes the link `ifname` inside the network namespace of the process `pidfd` refers to,
// back in `home_netns` afterwards. A veth deletion waits for the kernel's RCU grace periods
// (~17 ms): run it on a worker thread.
Status delete_link_in(int pidfd, int home_netns, const std::string& ifname);

}  // namespace asup::network
