// What a container asks of its network beyond --network, --ip, -p and --network-alias:
// Docker's --add-host, --dns, --dns-search, --dns-option, --mac-address and --expose, read
// once into typed values (with Docker's error texts) and kept in the container's config.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"

namespace asup::network {

// --add-host's word for the default bridge's gateway address (Docker's host-gateway).
inline constexpr std::string_view kHostGateway = "host-gateway";

struct NetOptions {
  std::vector<std::string> extra_hosts;    // "NAME:IP" or "NAME:host-gateway", as Docker keeps them
  std::vector<std::string> dns;            // nameserver addresses
  std::vector<std::string> dns_search;     // search domains; "." alone means none
  std::vector<std::string> dns_options;    // resolv.conf options ("ndots:2")
  std::string mac_address;                 // lower case; empty: derived from the address
  std::vector<std::string> exposed_ports;  // "80/tcp", one per port, image's and --expose
  bool operator==(const NetOptions&) const = default;
};

// NAME:IP or NAME=IP (the address may be in brackets), normalised to NAME:IP.
Result<std::string> parse_extra_host(std::string_view text);
// An IPv4 or IPv6 address for --dns.
Result<std::string> parse_dns_server(std::string_view text);
// A search domain (a trailing dot is dropped); "." stands for no search domain.
Result<std::string> parse_dns_search(std::string_view text);
// Six colon-separated hex octets, lower-cased.
Result<std::string> parse_mac_address(std::string_view text);
// PORT[/PROTO] or FIRST-LAST[/PROTO]: one "PORT/PROTO" per port, as Docker expands it.
Result<std::vector<std::string>> parse_expose(std::string_view text);

// The ExposedPorts key of a -p spec's or an image's port ("80" -> "80/tcp").
std::string port_key(std::string_view port_and_proto);

// The hosts file lines of --add-host, with host-gateway replaced by `gateway`.
std::string extra_hosts_lines(const std::vector<std::string>& extra_hosts,
                              const std::string& gateway);

nlohmann::json to_json(const NetOptions& options);
NetOptions net_options_from_json(const nlohmann::json& j);

}  // namespace asup::network
