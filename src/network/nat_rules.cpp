#include "network/nat_rules.hpp"

#include <algorithm>
#include <cctype>

namespace asup::network {
namespace {

// Names end up inside nft source text: anything beyond these characters could close a string
// or start another command.
Status check_table_name(const std::string& table) {
  bool valid = !table.empty() && table.size() <= 255 &&
               (std::isalpha(static_cast<unsigned char>(table[0])) || table[0] == '_') &&
               std::all_of(table.begin(), table.end(),
                           [](unsigned char c) { return std::isalnum(c) || c == '_'; });
  if (!valid)
    return fail(EINVAL,
                "invalid nftables table name \"" + table + "\": expected [A-Za-z_][A-Za-z0-9_]*");
  return ok();
}

Status check_bridge_name(const std::string& bridge) {
  // IFNAMSIZ is 16 with the terminating NUL.
  bool valid = !bridge.empty() && bridge.size() <= 15 &&
               std::all_of(bridge.begin(), bridge.end(), [](unsigned char c) {
                 return std::isalnum(c) || c == '_' || c == '-' || c == '.';
               });
  if (!valid)
    return fail(EINVAL,
                "invalid bridge name \"" + bridge + "\": expected up to 15 of [A-Za-z0-9_.-]");
  return ok();
}

Status check_port(const PublishedPort& port) {
  if (port.mapping.host_port == 0 || port.mapping.container_port == 0 || port.container_ip == 0)
    return fail(EINVAL, "cannot publish " + to_string(port.mapping) + " to " +
                            format_ipv4(port.container_ip) + ": ports and address must be set");
  return ok();
}

// Published ports live in maps keyed by the destination the client used; the map's value is
// the container's address and port, which is what `dnat ip to ... map` expects.
std::string map_name(const PublishedPort& port) {
  std::string proto(to_string(port.mapping.proto));
  return port.mapping.host_ip == 0 ? "publish_" + proto : "publish_addr_" + proto;
}

std::string map_key(const PublishedPort& port) {
  std::string host_port = std::to_string(port.mapping.host_port);
  return port.mapping.host_ip == 0 ? host_port
                                   : format_ipv4(port.mapping.host_ip) + " . " + host_port;
}

std::string map_value(const PublishedPort& port) {
  return format_ipv4(port.container_ip) + " . " + std::to_string(port.mapping.container_port);
}

std::string element(const std::string& verb, const std::string& table, const PublishedPort& port,
                    bool with_value) {
  std::string item = map_key(port);
  if (with_value) item += " : " + map_value(port);
  return verb + " element ip " + table + " " + map_name(port) + " { " + item + " }\n";
}

Result<std::string> add_lines(const std::string& table, const std::vector<PublishedPort>& ports) {
  std::string script;
  for (const auto& port : ports) {
    ASUP_TRY(check_port(port));
    script += element("add", table, port, true);
  }
  return script;
}

}  // namespace

Result<std::string> network_table_script(const NatNetwork& network,
                                         const std::vector<PublishedPort>& ports) {
  ASUP_TRY(check_table_name(network.table));
  ASUP_TRY(check_bridge_name(network.bridge));
  const std::string& t = network.table;
  const std::string bridge = "\"" + network.bridge + "\"";
  const std::string subnet = network.subnet.to_string();

  // `add` before `delete` makes the delete succeed whether or not the table exists, so one
  // script both creates and replaces it.
  std::string s = "add table ip " + t + "\ndelete table ip " + t + "\ntable ip " + t + " {\n";
  for (const char* proto : {"tcp", "udp"}) {
    s += std::string("\tmap publish_") + proto + " {\n" +
         "\t\ttype inet_service : ipv4_addr . inet_service\n\t}\n";
    s += std::string("\tmap publish_addr_") + proto + " {\n" +
         "\t\ttype ipv4_addr . inet_service : ipv4_addr . inet_service\n\t}\n";
  }

  // Only traffic to the host's own addresses is published, never traffic the host routes.
  s += "\tchain prerouting {\n"
       "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
       "\t\tfib daddr type local jump publish\n"
       "\t}\n";
  // The host's own connections (to 127.0.0.1 or any of its addresses) never pass prerouting.
  // -100 is dstnat: nft 1.0.6 refuses the name in the output hook.
  s += "\tchain output {\n"
       "\t\ttype nat hook output priority -100; policy accept;\n"
       "\t\tfib daddr type local jump publish\n"
       "\t}\n";
  // A mapping bound to one address wins over a mapping on every address, as a socket bound to
  // the address would.
  s += "\tchain publish {\n";
  for (const char* proto : {"tcp", "udp"}) {
    std::string p = proto;
    s += "\t\tdnat ip to ip daddr . " + p + " dport map @publish_addr_" + p + "\n";
    s += "\t\tdnat ip to " + p + " dport map @publish_" + p + "\n";
  }
  s += "\t}\n";

  s += "\tchain postrouting {\n"
       "\t\ttype nat hook postrouting priority srcnat; policy accept;\n";
  if (!network.internal) s += "\t\toifname != " + bridge + " ip saddr " + subnet + " masquerade\n";
  // A connection to 127.0.0.1 DNATed into the bridge still has source 127.0.0.1, which the
  // container cannot answer.
  s += "\t\toifname " + bridge + " ip saddr 127.0.0.0/8 masquerade\n";
  // Hairpin: a container reaching a published port (its own or a neighbour's) through a host
  // address would get the answer straight over the bridge from the container's address, which
  // its connection does not know.
  s += "\t\toifname " + bridge + " ip saddr " + subnet + " ct status dnat masquerade\n";
  s += "\t}\n";

  s += "\tchain forward {\n"
       "\t\ttype filter hook forward priority filter; policy accept;\n";
  if (network.internal) {
    s += "\t\tiifname " + bridge + " oifname != " + bridge + " drop\n";
    s += "\t\toifname " + bridge + " iifname != " + bridge + " drop\n";
  }
  s += "\t\tiifname " + bridge + " accept\n";
  s += "\t\toifname " + bridge + " accept\n";
  s += "\t}\n}\n";

  ASUP_TRY(auto elements, add_lines(t, ports));
  return s + elements;
}

Result<std::string> add_ports_script(const std::string& table,
                                     const std::vector<PublishedPort>& ports) {
  ASUP_TRY(check_table_name(table));
  return add_lines(table, ports);
}

Result<std::string> remove_ports_script(const std::string& table,
                                        const std::vector<PublishedPort>& ports) {
  ASUP_TRY(check_table_name(table));
  // nft 1.0.6 has no `destroy element`, and deleting a missing element fails the whole
  // transaction. Adding the very same element first is a no-op when present and makes the
  // delete succeed when absent; a different target under the key makes the add fail.
  std::string script;
  for (const auto& port : ports) {
    ASUP_TRY(check_port(port));
    script += element("add", table, port, true);
    script += element("delete", table, port, false);
  }
  return script;
}

Result<std::string> delete_table_script(const std::string& table) {
  ASUP_TRY(check_table_name(table));
  return "add table ip " + table + "\ndelete table ip " + table + "\n";
}

}  // namespace asup::network
