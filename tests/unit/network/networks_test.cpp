// The network registry: the default network from --bridge/--subnet, user networks with
// Docker's rules and messages, and definitions that survive a restart.
#include <catch2/catch.hpp>

#include "core/fs.hpp"
#include "network/networks.hpp"

namespace asup::network {
namespace {

struct TempRoot {
  TempRoot() {
    if (!::mkdtemp(path.data())) FAIL("mkdtemp");
  }
  ~TempRoot() { (void)fs::remove_tree(path); }
  std::string path = "/tmp/asup-networks-test-XXXXXX";
};

Subnet subnet(const std::string& text) {
  return Subnet::parse(text).value();
}

}  // namespace

TEST_CASE("the default network comes from the bridge and subnet options", "[network]") {
  TempRoot root;
  auto nets = Networks::open(root.path, "asupx0", "10.77.0.0/16");
  REQUIRE(nets);
  auto& def = nets.value()->default_network();
  CHECK(def.spec.name == "bridge");
  CHECK(def.spec.bridge == "asupx0");
  CHECK(def.spec.subnet.to_string() == "10.77.0.0/16");
  CHECK(format_ipv4(def.spec.gateway) == "10.77.0.1");
  CHECK(def.spec.nft_table() == "asup_asupx0");
  std::string id = def.spec.id;
  REQUIRE(def.ipam.allocate("c1"));
  REQUIRE(def.ipam.save());  // as asupd does when it stops

  auto again = Networks::open(root.path, "asupx0", "10.77.0.0/16");
  REQUIRE(again);
  CHECK(again.value()->default_network().spec.id == id);
  CHECK(again.value()->default_network().ipam.allocated().size() == 1);

  // A different subnet while a container holds an address is refused, not silently lost.
  auto changed = Networks::open(root.path, "asupx0", "10.78.0.0/16");
  REQUIRE_FALSE(changed);
  CHECK_THAT(changed.error().message, Catch::Contains("still hold addresses"));
  again.value()->default_network().ipam.release("c1");
  REQUIRE(again.value()->default_network().ipam.save());
  auto moved = Networks::open(root.path, "asupx0", "10.78.0.0/16");
  REQUIRE(moved);
  CHECK(moved.value()->default_network().spec.subnet.to_string() == "10.78.0.0/16");

  CHECK_FALSE(Networks::open(root.path, "a-bridge-name-too-long", "10.78.0.0/16"));
  CHECK_FALSE(Networks::open(root.path, "asupx0", "10.78.0.0"));
}

TEST_CASE("user networks follow Docker's rules", "[network]") {
  TempRoot root;
  auto opened = Networks::open(root.path, "asupx1", "10.77.0.0/16");
  REQUIRE(opened);
  auto& nets = *opened.value();

  auto made = nets.create({"backend", "10.90.1.0/24", "", false}, {});
  REQUIRE(made);
  auto* net = made.value();
  CHECK(net->spec.bridge == "br-" + net->spec.id.substr(0, 12));
  CHECK(format_ipv4(net->spec.gateway) == "10.90.1.1");
  CHECK(nets.find("backend").value() == net);
  CHECK(nets.find(net->spec.id.substr(0, 5)).value() == net);

  auto dup = nets.create({"backend", "10.90.2.0/24", "", false}, {});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message == "network with name backend already exists");

  auto overlap = nets.create({"other", "10.90.0.0/16", "", false}, {});
  REQUIRE_FALSE(overlap);
  CHECK(overlap.error().message == "Pool overlaps with other one on this address space");
  auto with_default = nets.create({"other", "10.77.5.0/24", "", false}, {});
  REQUIRE_FALSE(with_default);
  auto with_host = nets.create({"other", "192.168.7.0/24", "", false}, {subnet("192.168.0.0/16")});
  REQUIRE_FALSE(with_host);

  auto bad = nets.create({"other", "10.90.300.0/24", "", false}, {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "invalid CIDR address: 10.90.300.0/24");
  CHECK_FALSE(nets.create({"other", "10.91.0.0/33", "", false}, {}));
  CHECK_FALSE(nets.create({"other", "10.91.0.0/24", "10.92.0.1", false}, {}));
  CHECK_FALSE(nets.create({"other", "10.91.0.0/24", "10.91.0.255", false}, {}));
  CHECK(nets.create({"bridge", "", "", false}, {}).error().message ==
        "network with name bridge already exists");
  CHECK_FALSE(nets.create({"host", "", "", false}, {}));
  CHECK_FALSE(nets.create({"-bad", "", "", false}, {}));
  CHECK_FALSE(nets.find("nope"));

  // Without --subnet: the first free /24 from 10.89.0.0 that clashes with nothing.
  auto picked = nets.create({"auto1", "", "", false}, {subnet("10.89.0.0/24")});
  REQUIRE(picked);
  CHECK(picked.value()->spec.subnet.to_string() == "10.89.1.0/24");
  auto gw = nets.create({"gw", "10.93.0.0/24", "10.93.0.254", true}, {});
  REQUIRE(gw);
  CHECK(format_ipv4(gw.value()->spec.gateway) == "10.93.0.254");
  CHECK(gw.value()->spec.internal);

  std::string id = net->spec.id;
  auto reopened = Networks::open(root.path, "asupx1", "10.77.0.0/16");
  REQUIRE(reopened);
  CHECK(reopened.value()->list().size() == 4);
  REQUIRE(reopened.value()->find("backend"));
  CHECK(reopened.value()->find("backend").value()->spec.id == id);
  REQUIRE(reopened.value()->remove(id));
  CHECK_FALSE(reopened.value()->find("backend"));
  CHECK_FALSE(fs::exists(fs::join(fs::join(root.path, "networks"), id)));
  CHECK_FALSE(reopened.value()->remove(reopened.value()->default_network().spec.id));
}

}  // namespace asup::network
