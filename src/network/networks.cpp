#include "network/networks.hpp"

#include <sys/random.h>
#include <time.h>

#include <algorithm>
#include <cctype>

#include "core/fs.hpp"

namespace asup::network {
namespace {

std::string random_id() {
  unsigned char bytes[32];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

std::int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// Docker's rules for network names.
bool valid_name(const std::string& name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace

bool is_reserved_network_name(const std::string& name) {
  return name == "bridge" || name == "host" || name == "none" || name == "default";
}

nlohmann::json to_json(const NetworkSpec& spec) {
  return {{"id", spec.id},
          {"name", spec.name},
          {"bridge", spec.bridge},
          {"subnet", spec.subnet.to_string()},
          {"gateway", format_ipv4(spec.gateway)},
          {"internal", spec.internal},
          {"default", spec.is_default},
          {"created", spec.created_ns}};
}

Result<NetworkSpec> spec_from_json(const nlohmann::json& j) {
  NetworkSpec spec;
  try {
    spec.id = j.at("id").get<std::string>();
    spec.name = j.at("name").get<std::string>();
    spec.bridge = j.at("bridge").get<std::string>();
    ASUP_TRY(spec.subnet, Subnet::parse(j.at("subnet").get<std::string>()));
    ASUP_TRY(spec.gateway, parse_ipv4(j.at("gateway").get<std::string>()));
    spec.internal = j.value("internal", false);
    spec.is_default = j.value("default", false);
    spec.created_ns = j.value("created", std::int64_t{0});
  } catch (const nlohmann::json::exception& e) {
    return fail(EINVAL, std::string("network definition: ") + e.what());
  }
  return spec;
}

Result<std::unique_ptr<Networks>> Networks::open(const std::string& root, const std::string& bridge,
                                                 const std::string& subnet_text) {
  if (bridge.empty() || bridge.size() > 15)
    return fail(EINVAL, "bridge name \"" + bridge + "\" must have 1 to 15 characters");
  ASUP_TRY(auto subnet, Subnet::parse(subnet_text));
  auto nets = std::make_unique<Networks>();
  nets->dir_ = fs::join(root, "networks");
  ASUP_TRY(fs::make_dirs(nets->dir_, 0700));
  ASUP_TRY(auto names, fs::list_dir(nets->dir_));
  for (auto& name : names) {
    auto text = fs::read_file(fs::join(fs::join(nets->dir_, name), "network.json"));
    if (!text) continue;
    auto doc = nlohmann::json::parse(text.value(), nullptr, false);
    auto spec = spec_from_json(doc);
    if (!spec || spec.value().id != name)
      return fail(EINVAL, "unreadable network definition in " + fs::join(nets->dir_, name));
    if (spec.value().is_default) {
      if (spec.value().bridge != bridge || spec.value().subnet.network != subnet.network ||
          spec.value().subnet.prefix != subnet.prefix) {
        // --bridge or --subnet changed: the old definition goes unless it is in use.
        ASUP_TRY(auto old, Ipam::open(fs::join(fs::join(nets->dir_, name), "ipam.json"),
                                      spec.value().subnet, spec.value().gateway));
        if (!old.allocated().empty())
          return fail(EBUSY, "the default network is " + spec.value().subnet.to_string() + " on " +
                                 spec.value().bridge +
                                 " and containers still hold addresses on it");
        ASUP_TRY(fs::remove_tree(fs::join(nets->dir_, name)));
        continue;
      }
      nets->default_id_ = name;
    }
    ASUP_TRY(nets->add(std::move(spec).value()));
  }
  if (nets->default_id_.empty()) {
    NetworkSpec spec;
    spec.id = random_id();
    spec.name = "bridge";
    spec.bridge = bridge;
    spec.subnet = subnet;
    spec.gateway = subnet.network + 1;
    spec.is_default = true;
    spec.created_ns = now_ns();
    for (auto* other : nets->list())
      if (other->spec.subnet.overlaps(subnet))
        return fail(EINVAL, "--subnet " + subnet.to_string() + " overlaps network " +
                                other->spec.name + " (" + other->spec.subnet.to_string() + ")");
    ASUP_TRY(auto* added, nets->add(spec));
    nets->default_id_ = added->spec.id;
  }
  return nets;
}

Result<Network*> Networks::add(NetworkSpec spec) {
  std::string dir = fs::join(dir_, spec.id);
  ASUP_TRY(fs::make_dirs(dir, 0700));
  if (!fs::exists(fs::join(dir, "network.json"))) {
    ASUP_TRY(
        fs::write_file_atomic(fs::join(dir, "network.json"), to_json(spec).dump(), 0644, true));
  }
  ASUP_TRY(auto ipam, Ipam::open(fs::join(dir, "ipam.json"), spec.subnet, spec.gateway));
  std::string id = spec.id;
  auto net = std::make_unique<Network>(Network{std::move(spec), std::move(ipam)});
  Network* raw = net.get();
  by_id_[id] = std::move(net);
  return raw;
}

Result<Network*> Networks::create(const CreateRequest& request, const std::vector<Subnet>& taken) {
  if (!valid_name(request.name))
    return fail(EINVAL, "invalid network name \"" + request.name +
                            "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  if (request.name == "default")
    return fail(EPERM, "operation is not permitted on predefined default network");
  bool name_taken = request.name == "host" || request.name == "none";  // the pseudo networks
  for (auto* n : list()) name_taken = name_taken || n->spec.name == request.name;
  if (name_taken) return fail(EEXIST, "network with name " + request.name + " already exists");

  auto clashes = [&](const Subnet& s) -> std::string {
    for (auto* n : list())
      if (n->spec.subnet.overlaps(s)) return n->spec.name;
    for (auto& t : taken)
      if (t.overlaps(s)) return "a host interface (" + t.to_string() + ")";
    return "";
  };
  Subnet subnet;
  if (!request.subnet.empty()) {
    auto parsed = Subnet::parse(request.subnet);
    if (!parsed) {
      // Host bits set is the one complaint with more to say than Docker's.
      if (parsed.error().message.find("host bits") != std::string::npos) return parsed.error();
      return fail(EINVAL, "invalid CIDR address: " + request.subnet);
    }
    subnet = parsed.value();
    if (subnet.prefix > 30)
      return fail(EINVAL, "subnet " + subnet.to_string() + " has no room for containers");
    if (!clashes(subnet).empty())
      return fail(EEXIST, "Pool overlaps with other one on this address space");
  } else {
    // Like Docker's default pools: the first free /24 of a private range.
    bool found = false;
    for (std::uint32_t third = 0; third < 256 * 256 && !found; ++third) {
      Subnet candidate{(10u << 24 | 89u << 16) + (third << 8), 24};
      if ((candidate.network >> 24) != 10) break;
      if (clashes(candidate).empty()) {
        subnet = candidate;
        found = true;
      }
    }
    if (!found)
      return fail(ENOSPC, "could not find an available, non-overlapping IPv4 address pool");
  }
  std::uint32_t gateway = subnet.network + 1;
  if (!request.gateway.empty()) {
    auto g = parse_ipv4(request.gateway);
    if (!g) return fail(EINVAL, "invalid gateway address: " + request.gateway);
    gateway = g.value();
    if (!subnet.contains(gateway) || gateway == subnet.network || gateway == subnet.broadcast())
      return fail(EINVAL, "gateway " + request.gateway + " is not a host address of subnet " +
                              subnet.to_string());
  }
  NetworkSpec spec;
  spec.id = random_id();
  spec.name = request.name;
  spec.bridge = "br-" + spec.id.substr(0, 12);
  spec.subnet = subnet;
  spec.gateway = gateway;
  spec.internal = request.internal;
  spec.created_ns = now_ns();
  auto added = add(spec);
  if (!added) {
    (void)fs::remove_tree(fs::join(dir_, spec.id));
    return added.error();
  }
  return added;
}

Status Networks::remove(const std::string& id) {
  if (id == default_id_)
    return fail(EPERM, "bridge is a pre-defined network and cannot be removed");
  ASUP_TRY(fs::remove_tree(fs::join(dir_, id)));
  by_id_.erase(id);
  return ok();
}

Network* Networks::find_by_id(const std::string& id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second.get();
}

Result<Network*> Networks::find(const std::string& name_or_id) {
  for (auto& [id, net] : by_id_)
    if (net->spec.name == name_or_id || id == name_or_id) return net.get();
  Network* match = nullptr;
  if (!name_or_id.empty()) {
    for (auto& [id, net] : by_id_) {
      if (id.rfind(name_or_id, 0) != 0) continue;
      if (match) return fail(EINVAL, "network " + name_or_id + " is ambiguous");
      match = net.get();
    }
  }
  if (!match) return fail(ENOENT, "network " + name_or_id + " not found");
  return match;
}

std::vector<Network*> Networks::list() {
  std::vector<Network*> out;
  for (auto& [id, net] : by_id_) out.push_back(net.get());
  std::sort(out.begin(), out.end(),
            [](Network* a, Network* b) { return a->spec.created_ns < b->spec.created_ns; });
  return out;
}

}  // namespace asup::network
