#include "network/net_options.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace asup::network {
namespace {

bool is_ip_address(const std::string& text) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, text.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

std::string flag_error(std::string_view flag, std::string_view value, const std::string& why) {
  return "invalid argument \"" + std::string(value) + "\" for \"" + std::string(flag) +
         "\" flag: " + why;
}

bool is_label_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
}

// Docker's domain rule: labels of letters, digits and inner hyphens, at least one letter
// somewhere, shorter than 255 characters.
bool is_domain(std::string_view name) {
  if (name.empty() || name.size() >= 255) return false;
  if (std::none_of(name.begin(), name.end(),
                   [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
    return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    auto dot = name.find('.', start);
    auto label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), is_label_char)) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// Go's strconv.ParseUint(text, 10, 16) with its error text.
Result<std::uint32_t> parse_port_number(std::string_view text) {
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size())
    return fail("strconv.ParseUint: parsing " + quoted + ": invalid syntax");
  if (ec == std::errc::result_out_of_range || value > 65535)
    return fail("strconv.ParseUint: parsing " + quoted + ": value out of range");
  return value;
}

}  // namespace

Result<std::string> parse_extra_host(std::string_view text) {
  auto sep = text.find('=');
  if (sep == std::string_view::npos) sep = text.find(':');
  std::string name, address;
  if (sep != std::string_view::npos) {
    name = std::string(text.substr(0, sep));
    address = std::string(text.substr(sep + 1));
  }
  if (sep == std::string_view::npos || name.empty() || name.find(':') != std::string::npos)
    return fail(
        flag_error("--add-host", text, "bad format for add-host: \"" + std::string(text) + "\""));
  if (address != kHostGateway) {
    if (address.size() > 2 && address.front() == '[' && address.back() == ']')
      address = address.substr(1, address.size() - 2);
    if (!is_ip_address(address))
      return fail(
          flag_error("--add-host", text, "invalid IP address in add-host: \"" + address + "\""));
  }
  return name + ":" + address;
}

Result<std::string> parse_dns_server(std::string_view text) {
  std::string address(text);
  if (!is_ip_address(address))
    return fail(EINVAL,
                flag_error("--dns", text, "IP address is not correctly formatted: " + address));
  return address;
}

Result<std::string> parse_dns_search(std::string_view text) {
  std::string name(text);
  while (!name.empty() && name.front() == ' ') name.erase(0, 1);
  while (!name.empty() && name.back() == ' ') name.pop_back();
  if (name == ".") return name;
  std::string bare = name;
  if (!bare.empty() && bare.back() == '.') bare.pop_back();
  if (!is_domain(bare))
    return fail(EINVAL,
                flag_error("--dns-search", text, std::string(text) + " is not a valid domain"));
  return bare;
}

Result<std::string> parse_mac_address(std::string_view text) {
  bool valid = text.size() == 17;
  for (std::size_t i = 0; valid && i < text.size(); ++i)
    valid = i % 3 == 2 ? text[i] == ':' : std::isxdigit(static_cast<unsigned char>(text[i])) != 0;
  if (!valid) return fail(std::string(text) + " is not a valid mac address");
  std::string mac(text);
  std::transform(mac.begin(), mac.end(), mac.begin(), ::tolower);
  return mac;
}

Result<std::vector<std::string>> parse_expose(std::string_view text) {
  const std::string spec(text);
  if (spec.find(':') != std::string::npos) return fail("invalid port format for --expose: " + spec);
  auto slash = spec.find('/');
  std::string range = spec.substr(0, slash);
  std::string proto = slash == std::string::npos ? "tcp" : spec.substr(slash + 1);
  std::transform(proto.begin(), proto.end(), proto.begin(), ::tolower);
  auto bad = [&](const std::string& why) {
    return fail("invalid range format for --expose: " + spec + ", error: " + why);
  };
  if (range.empty()) return bad("Empty string specified for ports.");
  if (proto != "tcp" && proto != "udp" && proto != "sctp") return bad("invalid proto: " + proto);
  auto dash = range.find('-');
  auto first = parse_port_number(std::string_view(range).substr(0, dash));
  if (!first) return bad(first.error().message);
  std::uint32_t last = first.value();
  if (dash != std::string::npos) {
    auto end = parse_port_number(std::string_view(range).substr(dash + 1));
    if (!end) return bad(end.error().message);
    last = end.value();
    if (last < first.value()) return bad("Invalid range specified for the Port: " + range);
  }
  std::vector<std::string> ports;
  for (std::uint32_t p = first.value(); p <= last; ++p)
    ports.push_back(std::to_string(p) + "/" + proto);
  return ports;
}

std::string port_key(std::string_view port_and_proto) {
  std::string key(port_and_proto);
  if (key.find('/') == std::string::npos) key += "/tcp";
  return key;
}

std::string extra_hosts_lines(const std::vector<std::string>& extra_hosts,
                              const std::string& gateway) {
  std::string out;
  for (auto& entry : extra_hosts) {
    auto colon = entry.find(':');
    if (colon == std::string::npos) continue;
    std::string address = entry.substr(colon + 1);
    if (address == kHostGateway) address = gateway;
    if (address.empty()) continue;
    out += address + "\t" + entry.substr(0, colon) + "\n";
  }
  return out;
}

nlohmann::json to_json(const NetOptions& o) {
  return {{"extra_hosts", o.extra_hosts}, {"dns", o.dns},
          {"dns_search", o.dns_search},   {"dns_options", o.dns_options},
          {"mac_address", o.mac_address}, {"exposed_ports", o.exposed_ports}};
}

NetOptions net_options_from_json(const nlohmann::json& j) {
  NetOptions o;
  if (!j.is_object()) return o;
  auto strings = [&](const char* key) {
    std::vector<std::string> out;
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return out;
    for (auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
  };
  o.extra_hosts = strings("extra_hosts");
  o.dns = strings("dns");
  o.dns_search = strings("dns_search");
  o.dns_options = strings("dns_options");
  o.exposed_ports = strings("exposed_ports");
  if (auto it = j.find("mac_address"); it != j.end() && it->is_string())
    o.mac_address = it->get<std::string>();
  return o;
}

}  // namespace asup::network
