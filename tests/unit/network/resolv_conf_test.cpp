// The resolv.conf of a container: the host's resolvers on the default bridge, the embedded
// one on user networks, --dns, --dns-search and --dns-option over the host's.
#include <catch2/catch.hpp>

#include "network/resolv_conf.hpp"

using namespace asup::network;

namespace {
const char* kHost =
    "# generated\nnameserver 127.0.0.53\nnameserver 10.255.255.53 # site\n"
    "search corp.example lab.example\noptions edns0 trust-ad\n";
}

TEST_CASE("the host's resolv.conf is read line by line", "[network][dns]") {
  auto host = parse_resolv_conf(kHost);
  CHECK(host.nameservers == std::vector<std::string>{"127.0.0.53", "10.255.255.53"});
  CHECK(host.search == std::vector<std::string>{"corp.example", "lab.example"});
  CHECK(host.options == std::vector<std::string>{"edns0", "trust-ad"});
}

TEST_CASE("default bridge: the host's resolvers without loopback ones", "[network][dns]") {
  auto host = parse_resolv_conf(kHost);
  CHECK(container_resolv_conf(host, {}, ResolverKind::kHost) ==
        "nameserver 10.255.255.53\nsearch corp.example lab.example\noptions edns0 trust-ad\n");
  auto only_loopback = parse_resolv_conf("nameserver 127.0.0.53\n");
  CHECK(container_resolv_conf(only_loopback, {}, ResolverKind::kHost) ==
        "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
}

TEST_CASE("default bridge: --dns, --dns-search and --dns-option replace the host's",
          "[network][dns]") {
  NetOptions o;
  o.dns = {"192.0.2.53", "192.0.2.54"};
  o.dns_search = {"example.com"};
  o.dns_options = {"ndots:3", "timeout:1"};
  CHECK(container_resolv_conf(parse_resolv_conf(kHost), o, ResolverKind::kHost) ==
        "nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch example.com\n"
        "options ndots:3 timeout:1\n");
  NetOptions none;
  none.dns_search = {"."};
  CHECK(container_resolv_conf(parse_resolv_conf(kHost), none, ResolverKind::kHost) ==
        "nameserver 10.255.255.53\noptions edns0 trust-ad\n");
}

TEST_CASE("user networks: the embedded resolver with ndots:0", "[network][dns]") {
  auto host = parse_resolv_conf(kHost);
  CHECK(container_resolv_conf(host, {}, ResolverKind::kEmbedded) ==
        "nameserver 127.0.0.11\nsearch corp.example lab.example\n"
        "options edns0 trust-ad ndots:0\n");
  NetOptions o;
  o.dns = {"192.0.2.53"};
  o.dns_options = {"ndots:2"};
  CHECK(container_resolv_conf(host, o, ResolverKind::kEmbedded) ==
        "nameserver 127.0.0.11\nsearch corp.example lab.example\noptions ndots:2\n");
}

TEST_CASE("the embedded resolver relays to --dns, else to every host resolver", "[network][dns]") {
  auto host = parse_resolv_conf(kHost + std::string("nameserver ::1\n"));
  CHECK(upstream_nameservers(host, {}) == std::vector<std::string>{"127.0.0.53", "10.255.255.53"});
  NetOptions o;
  o.dns = {"127.3.4.5"};
  CHECK(upstream_nameservers(host, o) == std::vector<std::string>{"127.3.4.5"});
}
