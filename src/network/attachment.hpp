// One container as the network stage sees it: what it asked for at creation (fixed: its
// config holds it), the endpoints and published ports it holds while it runs (its state
// holds them) and the sockets that keep those host ports taken. The engine's container owns
// one; the stage works on it and knows nothing else of the container.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "network/port_reservation.hpp"
#include "network/published_port.hpp"

namespace asup::network {

// The container's attachment to one network while it runs.
struct Endpoint {
  std::string network_id;
  std::string network_name;
  std::uint32_t address = 0;  // host byte order
  int prefix = 0;
  std::uint32_t gateway = 0;
  std::string ifname;       // inside: eth0, eth1, ...
  std::string host_ifname;  // the host end of the veth pair
  std::string mac;
  std::vector<std::string> aliases;
};

struct Attachment {
  // Fixed at creation.
  std::string container_id;
  std::string name;  // how the container's peers on user networks call it
  std::string hostname;
  std::string mode = "none";         // bridge | none | host | a user network's name
  std::string requested_ip;          // --ip
  std::vector<std::string> aliases;  // --network-alias, on the first network
  std::vector<std::string> publish;  // -p as typed, plus the image's ports with -P
  std::string hosts_file;            // bind-mounted over /etc/hosts: rewritten in place
  std::string requested_mac;         // --mac-address, for the first network's endpoint
  std::string extra_hosts;           // --add-host lines of its hosts file

  // While the container runs.
  std::vector<Endpoint> endpoints;  // empty unless running on a network with addresses
  std::vector<PublishedPort> ports;
  // Published host ports stay bound here while the container runs, so nothing else takes
  // them; the DNAT elements are in the network's table once ports_programmed.
  std::vector<PortReservation> port_holds;
  bool ports_programmed = false;

  // Between runs: the endpoints of its last run. It is attached to the same networks when
  // it starts again (those connected later included) and asks for the same addresses, so a
  // restarted container keeps them while nobody else took them.
  std::vector<Endpoint> last_endpoints;
};

// Every container's attachment, the one at hand among them or not: whose names go into
// hosts files.
using Attachments = std::vector<const Attachment*>;

// bridge and user networks give a container addresses; none and host do not.
bool has_addresses(const std::string& mode);
// --network container:ID: another container's namespace; "" for any other mode.
std::string shared_netns_container(const std::string& mode);
// The ports whose DNAT lives in `network_id`'s table.
std::vector<PublishedPort> ports_on(const std::vector<PublishedPort>& ports,
                                    const std::string& network_id);
// `port CTR [PORT[/PROTO]]`: every port when `filter` is empty, else those it names; a bare
// number means tcp.
std::vector<PublishedPort> ports_matching(const std::vector<PublishedPort>& ports,
                                          const std::string& filter);

}  // namespace asup::network
