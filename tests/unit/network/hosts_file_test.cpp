// The /etc/hosts each container gets: its own addresses under its hostname, and on user
// networks its peers by name, alias and short id; peers' files follow when endpoints change.
#include <stdlib.h>

#include <catch2/catch.hpp>

#include "core/fs.hpp"
#include "network/hosts_file.hpp"
#include "network/ipam.hpp"

namespace asup::network {
namespace {

const std::string kHeader =
    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
    "ff02::2\tip6-allrouters\n";

struct TempDir {
  TempDir() {
    if (!::mkdtemp(path.data())) FAIL("mkdtemp");
  }
  ~TempDir() { (void)fs::remove_tree(path); }
  std::string path = "/tmp/asup-hosts-test-XXXXXX";
};

Endpoint endpoint(const std::string& network, const std::string& address,
                  std::vector<std::string> aliases = {}) {
  Endpoint e;
  e.network_id = network == "bridge" ? std::string(64, 'b') : network + "-id";
  e.network_name = network;
  e.address = parse_ipv4(address).value();
  e.prefix = 24;
  e.aliases = std::move(aliases);
  return e;
}

Attachment container(const std::string& id, const std::string& name,
                     std::vector<Endpoint> endpoints) {
  Attachment a;
  a.container_id = id;
  a.name = name;
  a.hostname = id.substr(0, 12);
  a.mode = endpoints.empty() ? "none" : endpoints.front().network_name;
  a.endpoints = std::move(endpoints);
  return a;
}

}  // namespace

TEST_CASE("a container without addresses names itself on 127.0.1.1", "[network][hosts]") {
  auto a = container("0123456789abcdef", "lonely", {});
  CHECK(hosts_content(a, {&a}) == kHeader + "127.0.1.1\t0123456789ab\n");
}

TEST_CASE("the default bridge lists no peers", "[network][hosts]") {
  auto a = container("aaaaaaaaaaaaaaaa", "web", {endpoint("bridge", "10.88.0.2")});
  auto b = container("bbbbbbbbbbbbbbbb", "db", {endpoint("bridge", "10.88.0.3")});
  CHECK(hosts_content(a, {&a, &b}) == kHeader + "10.88.0.2\taaaaaaaaaaaa\n");
}

TEST_CASE("user networks list the peers by name, alias and short id", "[network][hosts]") {
  auto web = container("aaaaaaaaaaaaaaaa", "web",
                       {endpoint("front", "10.89.0.2"), endpoint("back", "10.89.1.2")});
  auto db = container("bbbbbbbbbbbbbbbb", "db", {endpoint("back", "10.89.1.3", {"store", "sql"})});
  auto proxy = container("cccccccccccccccc", "proxy", {endpoint("front", "10.89.0.3")});
  auto other = container("dddddddddddddddd", "other", {endpoint("elsewhere", "10.89.2.2")});
  Attachments all{&web, &db, &proxy, &other};

  CHECK(hosts_content(web, all) == kHeader +
                                       "10.89.0.2\taaaaaaaaaaaa\n"
                                       "10.89.1.2\taaaaaaaaaaaa\n"
                                       "10.89.0.3\tproxy cccccccccccc\n"
                                       "10.89.1.3\tdb store sql bbbbbbbbbbbb\n");
  CHECK(hosts_content(db, all) == kHeader +
                                      "10.89.1.3\tbbbbbbbbbbbb\n"
                                      "10.89.1.2\tweb aaaaaaaaaaaa\n");
  CHECK(hosts_content(other, all) == kHeader + "10.89.2.2\tdddddddddddd\n");
}

TEST_CASE("peers sharing a user network get their hosts file rewritten", "[network][hosts]") {
  TempDir dir;
  auto web = container("aaaaaaaaaaaaaaaa", "web", {endpoint("back", "10.89.1.2")});
  auto db = container("bbbbbbbbbbbbbbbb", "db", {endpoint("back", "10.89.1.3")});
  auto other = container("cccccccccccccccc", "other", {endpoint("elsewhere", "10.89.2.2")});
  for (auto* a : {&web, &db, &other}) {
    a->hosts_file = fs::join(dir.path, a->name + ".hosts");
    REQUIRE(fs::write_file(a->hosts_file, "old\n"));
  }
  Attachments all{&web, &db, &other};

  refresh_peer_hosts(web.endpoints, &web, all);
  CHECK(fs::read_file(db.hosts_file).value() ==
        kHeader + "10.89.1.3\tbbbbbbbbbbbb\n10.89.1.2\tweb aaaaaaaaaaaa\n");
  CHECK(fs::read_file(web.hosts_file).value() == "old\n");    // its own is the caller's
  CHECK(fs::read_file(other.hosts_file).value() == "old\n");  // no shared network

  // web left: what it held is touched, and db no longer lists it.
  auto gone = std::move(web.endpoints);
  web.endpoints.clear();
  refresh_peer_hosts(gone, &web, all);
  CHECK(fs::read_file(db.hosts_file).value() == kHeader + "10.89.1.3\tbbbbbbbbbbbb\n");
}

TEST_CASE("endpoints on the default bridge rewrite no peer's file", "[network][hosts]") {
  TempDir dir;
  auto web = container("aaaaaaaaaaaaaaaa", "web", {endpoint("bridge", "10.88.0.2")});
  auto db = container("bbbbbbbbbbbbbbbb", "db", {endpoint("bridge", "10.88.0.3")});
  db.hosts_file = fs::join(dir.path, "db.hosts");
  REQUIRE(fs::write_file(db.hosts_file, "old\n"));
  refresh_peer_hosts(web.endpoints, &web, {&web, &db});
  CHECK(fs::read_file(db.hosts_file).value() == "old\n");
}

}  // namespace asup::network
