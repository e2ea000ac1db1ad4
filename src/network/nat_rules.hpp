// The nftables state of one bridge network, as script text: masquerading for the subnet,
// DNAT for published ports, forwarding rules. Pure functions, so the plan is unit-tested
// without root; Nftables::run applies a script as one transaction.
//
// Each network owns a whole `table ip NAME`, so removing a network is dropping its table and
// nothing else on the host (Docker's iptables chains, firewalld, the admin's rules) is touched.
// Published ports are elements of four maps (tcp/udp x any address/one address), so
// publishing or unpublishing a container's ports is a set update, never a rule rewrite.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "asup/result.hpp"
#include "network/ipam.hpp"
#include "network/port_spec.hpp"
#include "network/published_port.hpp"

namespace asup::network {

struct NatNetwork {
  std::string table;   // nft table name in the ip family: [A-Za-z_][A-Za-z0-9_]*
  std::string bridge;  // the bridge interface, e.g. "asup0"
  Subnet subnet;
  bool internal = false;  // no traffic between the bridge and other interfaces (--internal)
};

// Replaces the network's table, in one transaction, with its chains and maps holding `ports`:
// creating a network and rebuilding it after a daemon restart are the same script, and no
// packet sees a half-built table. The daemon must also set net.ipv4.conf.BRIDGE.route_localnet
// = 1, or the kernel drops the DNATed connections to 127.0.0.1 as martians.
Result<std::string> network_table_script(const NatNetwork& network,
                                         const std::vector<PublishedPort>& ports = {});

// Publishes `ports`. Fails as a whole if a host port is already mapped to another target.
Result<std::string> add_ports_script(const std::string& table,
                                     const std::vector<PublishedPort>& ports);

// Unpublishes `ports`; ports that are not published are no error, so a cleanup can be
// retried. A host port mapped to another target is left alone and fails the script.
Result<std::string> remove_ports_script(const std::string& table,
                                        const std::vector<PublishedPort>& ports);

// Drops the network's table; no error when it is already gone.
Result<std::string> delete_table_script(const std::string& table);

}  // namespace asup::network
