#include "network/ipam.hpp"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "core/fs.hpp"

namespace asup::network {

Result<std::uint32_t> parse_ipv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1)
    return fail(EINVAL, "invalid IPv4 address \"" + text + "\"");
  return ntohl(a.s_addr);
}

std::string format_ipv4(std::uint32_t addr) {
  in_addr a{htonl(addr)};
  char buf[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &a, buf, sizeof buf);
}

Result<Subnet> Subnet::parse(const std::string& cidr) {
  auto bad = [&] { return fail(EINVAL, "invalid subnet \"" + cidr + "\": expected A.B.C.D/N"); };
  auto slash = cidr.find('/');
  if (slash == std::string::npos || slash + 1 == cidr.size() || cidr.size() - slash > 3)
    return bad();
  int prefix = 0;
  for (char c : cidr.substr(slash + 1)) {
    if (c < '0' || c > '9') return bad();
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix > 32) return bad();
  auto addr = parse_ipv4(cidr.substr(0, slash));
  if (!addr) return bad();
  Subnet s{addr.value(), prefix};
  if ((s.network & s.mask()) != s.network)
    return fail(EINVAL, "invalid subnet \"" + cidr + "\": host bits are set (the network is " +
                            Subnet{s.network & s.mask(), prefix}.to_string() + ")");
  return s;
}

bool Subnet::overlaps(const Subnet& other) const {
  int p = std::min(prefix, other.prefix);
  std::uint32_t m = p == 0 ? 0 : ~std::uint32_t{0} << (32 - p);
  return (network & m) == (other.network & m);
}

std::string Subnet::to_string() const {
  return format_ipv4(network) + "/" + std::to_string(prefix);
}

Result<Ipam> Ipam::open(const std::string& path, const Subnet& subnet, std::uint32_t gateway) {
  if (subnet.prefix > 30)
    return fail(EINVAL, "subnet " + subnet.to_string() + " has no room for containers");
  Ipam ipam(path, subnet, gateway);
  if (!ipam.usable(gateway) && gateway != 0)
    return fail(EINVAL, "gateway " + format_ipv4(gateway) + " is not a host address of " +
                            subnet.to_string());
  if (!fs::exists(path)) {
    ipam.last_ = gateway;
    ASUP_TRY(ipam.save());
    return ipam;
  }
  ASUP_TRY(auto text, fs::read_file(path));
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return fail(EINVAL, "parse " + path + ": invalid JSON");
  try {
    if (doc.at("subnet").get<std::string>() != subnet.to_string() ||
        doc.at("gateway").get<std::string>() != format_ipv4(gateway))
      return fail(EINVAL, path + " describes " + doc.at("subnet").get<std::string>() + " via " +
                              doc.at("gateway").get<std::string>() + ", not " + subnet.to_string() +
                              " via " + format_ipv4(gateway));
    ASUP_TRY(ipam.last_, parse_ipv4(doc.at("last").get<std::string>()));
    for (auto& [addr, owner] : doc.at("allocated").items()) {
      ASUP_TRY(auto a, parse_ipv4(addr));
      ipam.allocated_[a] = owner.get<std::string>();
    }
  } catch (const nlohmann::json::exception& e) {
    return fail(EINVAL, "parse " + path + ": " + e.what());
  }
  return ipam;
}

bool Ipam::usable(std::uint32_t addr) const {
  return subnet_.contains(addr) && addr != subnet_.network && addr != subnet_.broadcast();
}

Status Ipam::save() const {
  nlohmann::json doc{{"subnet", subnet_.to_string()},
                     {"gateway", format_ipv4(gateway_)},
                     {"last", format_ipv4(last_)},
                     {"allocated", nlohmann::json::object()}};
  for (auto& [addr, owner] : allocated_) doc["allocated"][format_ipv4(addr)] = owner;
  return fs::write_file_atomic(path_, doc.dump(), 0644);
}

Result<std::uint32_t> Ipam::allocate(const std::string& owner) {
  std::uint32_t first = subnet_.network + 1, last = subnet_.broadcast() - 1;
  std::uint32_t count = last - first + 1;
  std::uint32_t at = last_;
  for (std::uint32_t i = 0; i < count; ++i) {
    at = (at < first || at >= last) ? first : at + 1;
    if (at == gateway_ || allocated_.count(at)) continue;
    allocated_[at] = owner;
    last_ = at;
    return at;
  }
  return fail(ENOSPC, "no available IPv4 address in " + subnet_.to_string());
}

Result<std::uint32_t> Ipam::allocate(const std::string& owner, std::uint32_t requested) {
  if (!usable(requested) || requested == gateway_)
    return fail(EINVAL, "address " + format_ipv4(requested) + " is not available in " +
                            subnet_.to_string());
  if (allocated_.count(requested))
    return fail(EADDRINUSE, "address " + format_ipv4(requested) + " is already in use");
  allocated_[requested] = owner;
  return requested;
}

void Ipam::release(const std::string& owner) {
  for (auto it = allocated_.begin(); it != allocated_.end();)
    it = it->second == owner ? allocated_.erase(it) : std::next(it);
}

Status Ipam::hold(const std::string& owner, std::uint32_t addr) {
  if (!usable(addr) || addr == gateway_)
    return fail(EINVAL, "address " + format_ipv4(addr) + " is not a host address of " +
                            subnet_.to_string());
  allocated_[addr] = owner;
  return ok();
}

}  // namespace asup::network
