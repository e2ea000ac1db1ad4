#include "network/port_spec.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "network/ipam.hpp"

namespace asup::network {
namespace {

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
  std::uint32_t size() const { return std::uint32_t{last} - first + 1; }
  bool single() const { return first == last; }
};

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// "80" or "80-81". Port 0 only means "any" as a lone host port, never inside a range.
std::optional<PortRange> parse_range(std::string_view text, bool zero_allowed) {
  auto dash = text.find('-');
  auto first = parse_port(text.substr(0, dash));
  if (!first) return std::nullopt;
  if (dash == std::string_view::npos) {
    if (*first == 0 && !zero_allowed) return std::nullopt;
    return PortRange{*first, *first};
  }
  auto last = parse_port(text.substr(dash + 1));
  if (!last || *first == 0 || *last < *first) return std::nullopt;
  return PortRange{*first, *last};
}

// Docker takes the proto case-insensitively ("80/UDP") and "80/" as tcp.
Result<Protocol> parse_proto(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lower.empty() || lower == "tcp") return Protocol::tcp;
  if (lower == "udp") return Protocol::udp;
  return fail(EINVAL, "invalid proto: " + std::string(text));
}

Result<std::uint32_t> parse_host_ip(std::string_view text) {
  std::string ip(text);
  if (!ip.empty() && ip.front() == '[') {
    if (ip.size() < 2 || ip.back() != ']') return fail(EINVAL, "invalid IP address: " + ip);
    ip = ip.substr(1, ip.size() - 2);
  }
  if (auto v4 = parse_ipv4(ip)) return v4.value();
  in6_addr v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6) == 1)
    return fail(EINVAL, "invalid IP address: " + ip + " (only IPv4 host addresses are supported)");
  return fail(EINVAL, "invalid IP address: " + ip);
}

bool printable(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isgraph(c) != 0; });
}

}  // namespace

Result<std::vector<PortMapping>> parse_port_spec(const std::string& spec) {
  if (spec.empty()) return fail(EINVAL, "no port specified: <empty>");
  if (!printable(spec)) return fail(EINVAL, "invalid port format: " + spec);

  // Split as Docker's splitParts does: the last two fields are the ports and everything before
  // them is the address, so "[::1]:80:80" and "::1:80:80" both reach the address check.
  std::string_view rest = spec, ip, host, container;
  auto last_colon = rest.rfind(':');
  container = last_colon == std::string_view::npos ? rest : rest.substr(last_colon + 1);
  if (last_colon != std::string_view::npos) {
    auto head = rest.substr(0, last_colon);
    auto colon = head.rfind(':');
    host = colon == std::string_view::npos ? head : head.substr(colon + 1);
    if (colon != std::string_view::npos) ip = head.substr(0, colon);
  }
  std::string_view proto_text;
  if (auto slash = container.find('/'); slash != std::string_view::npos) {
    proto_text = container.substr(slash + 1);
    container = container.substr(0, slash);
  }

  // Docker's order of checks, so the same bad spec gets the same complaint.
  std::uint32_t host_ip = 0;
  if (!ip.empty()) {
    ASUP_TRY(host_ip, parse_host_ip(ip));
  }
  if (container.empty()) return fail(EINVAL, "no port specified: " + spec + "<empty>");
  auto container_range = parse_range(container, false);
  if (!container_range) return fail(EINVAL, "invalid containerPort: " + std::string(container));
  std::optional<PortRange> host_range;
  if (!host.empty()) {
    host_range = parse_range(host, true);
    if (!host_range) return fail(EINVAL, "invalid hostPort: " + std::string(host));
    if (host_range->size() != container_range->size()) {
      std::string message =
          "invalid ranges specified for container and host Ports: " + std::string(container) +
          " and " + std::string(host);
      if (container_range->single())
        message += " (a host port range needs a container port range of the same length)";
      return fail(EINVAL, message);
    }
  }
  ASUP_TRY(auto proto, parse_proto(proto_text));

  std::vector<PortMapping> mappings;
  for (std::uint32_t i = 0; i < container_range->size(); ++i) {
    PortMapping m;
    m.host_ip = host_ip;
    m.host_port = host_range ? static_cast<std::uint16_t>(host_range->first + i) : 0;
    m.container_port = static_cast<std::uint16_t>(container_range->first + i);
    m.proto = proto;
    mappings.push_back(m);
  }
  return mappings;
}

Result<std::vector<PortMapping>> parse_exposed_port(const std::string& key) {
  if (key.empty()) return fail(EINVAL, "no port specified: <empty>");
  if (!printable(key) || key.find(':') != std::string::npos)
    return fail(EINVAL, "invalid port format: " + key);
  return parse_port_spec(key);
}

std::string_view to_string(Protocol proto) {
  return proto == Protocol::udp ? "udp" : "tcp";
}

std::string to_string(const PortMapping& mapping) {
  return format_ipv4(mapping.host_ip) + ":" + std::to_string(mapping.host_port) + "->" +
         std::to_string(mapping.container_port) + "/" + std::string(to_string(mapping.proto));
}

}  // namespace asup::network
