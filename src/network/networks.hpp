// The networks asupd knows: the default "bridge" network (from --bridge and --subnet) and
// the user networks made by `network create`, each with its own bridge, subnet and address
// allocator, persisted under ROOT/networks/ID/. The pseudo networks "host" and "none" are
// not stored: they have no bridge and no addresses.
#pragma once

#include <cctype>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "asup/result.hpp"
#include "network/ipam.hpp"

namespace asup::network {

struct NetworkSpec {
  std::string id;  // 64 hex
  std::string name;
  std::string bridge;  // the Linux bridge: --bridge for the default one, "br-" + id[:12]
  Subnet subnet;
  std::uint32_t gateway = 0;
  bool internal = false;  // no masquerade, no traffic to other interfaces
  bool is_default = false;
  std::int64_t created_ns = 0;

  // nft identifiers take letters, digits and '_' only.
  std::string nft_table() const {
    std::string t = "asup_" + bridge;
    for (auto& ch : t)
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return t;
  }
};

nlohmann::json to_json(const NetworkSpec& spec);
Result<NetworkSpec> spec_from_json(const nlohmann::json& j);

struct Network {
  NetworkSpec spec;
  Ipam ipam;
};

struct CreateRequest {
  std::string name;
  std::string subnet;   // "" picks a free /24 from 10.89.0.0/16 upward
  std::string gateway;  // "" is the first host address
  bool internal = false;
};

class Networks {
 public:
  // Loads ROOT/networks and makes sure the default network exists with `bridge` and
  // `subnet`. A default network whose bridge or subnet changed since the last start is
  // redefined when no container holds an address on it.
  static Result<std::unique_ptr<Networks>> open(const std::string& root, const std::string& bridge,
                                                const std::string& subnet);

  // Validates and persists a new network; Docker's messages for a duplicate name, a bad
  // CIDR, an overlap with another network or a gateway outside the subnet. `taken` are
  // subnets in use on the host outside asup (addresses of other interfaces).
  Result<Network*> create(const CreateRequest& request, const std::vector<Subnet>& taken);
  // Forgets a network (its files); the caller has torn down bridge and rules.
  Status remove(const std::string& id);

  // By exact name, full id or unique id prefix.
  Result<Network*> find(const std::string& name_or_id);
  Network& default_network() { return *find_by_id(default_id_); }
  Network* find_by_id(const std::string& id);
  std::vector<Network*> list();

 private:
  std::string dir_;
  std::string default_id_;
  std::map<std::string, std::unique_ptr<Network>> by_id_;

  Result<Network*> add(NetworkSpec spec);
};

// Names Docker reserves for its pseudo networks and the default bridge.
bool is_reserved_network_name(const std::string& name);

}  // namespace asup::network
