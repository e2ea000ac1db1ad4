// The network flags of `run` and `create` beyond --network, --ip, -p, -P and
// --network-alias: names and resolvers (--add-host, --dns, --dns-search, --dns-option),
// --mac-address and --expose. They travel as typed; asupd checks them with Docker's texts,
// as it must for any client.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "api/requests.hpp"

namespace asup::cli {

struct NetworkFlags {
  std::vector<std::string> add_hosts, dns, dns_search, dns_options, expose;
  std::string mac_address;
};

void add_network_flags(CLI::App& cmd, NetworkFlags& flags);

// The flags into the request.
void add_network_options(const NetworkFlags& flags, api::RunRequest& req);

}  // namespace asup::cli
