// Docker's network flags through real containers: --add-host (host-gateway included) in
// /etc/hosts, --dns, --dns-search and --dns-option in resolv.conf on the default bridge,
// --mac-address on eth0, --expose with -P, --network container:X (X's interfaces, X's
// server on 127.0.0.1, Docker's refusals), and an --internal network without a default route.
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "network_support.hpp"

using namespace asup::it;
using Catch::Contains;
using nlohmann::json;

namespace {

const std::string kServeHello =
    "mkdir /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www";

}  // namespace

TEST_CASE("flag --add-host entries are in /etc/hosts, host-gateway as the bridge's gateway",
          "[netflags][integration]") {
  Daemon d;
  auto r =
      d.run({"run", "--name", "hosts", "--add-host", "db:10.1.2.3", "--add-host", "cache=10.1.2.4",
             "--add-host", "gw:host-gateway", "busybox", "cat", "/etc/hosts"});
  INFO(r);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "10.1.2.3\tdb\n"));
  CHECK(contains(r.out, "10.1.2.4\tcache\n"));
  CHECK(contains(r.out, first_host(d.subnet()) + "\tgw\n"));
  CHECK(d.inspect("hosts")["HostConfig"]["ExtraHosts"] ==
        json::array({"db:10.1.2.3", "cache:10.1.2.4", "gw:host-gateway"}));
  auto ping = d.run({"run", "--rm", "--add-host", "gw:host-gateway", "busybox", "ping", "-c", "1",
                     "-W", "3", "gw"});
  CHECK(ping.code == 0);
}

TEST_CASE("flag --dns, --dns-search and --dns-option make the default bridge's resolv.conf",
          "[netflags][integration]") {
  Daemon d;
  auto r = d.run({"run", "--name", "resolv", "--dns", "192.0.2.53", "--dns", "192.0.2.54",
                  "--dns-search", "example.com", "--dns-option", "ndots:3", "--dns-option",
                  "timeout:1", "busybox", "cat", "/etc/resolv.conf"});
  INFO(r);
  REQUIRE(r.code == 0);
  CHECK(r.out ==
        "nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch example.com\n"
        "options ndots:3 timeout:1\n");
  auto host = d.inspect("resolv")["HostConfig"];
  CHECK(host["Dns"] == json::array({"192.0.2.53", "192.0.2.54"}));
  CHECK(host["DnsSearch"] == json::array({"example.com"}));
  CHECK(host["DnsOptions"] == json::array({"ndots:3", "timeout:1"}));
  // The host's network takes them over the host's file too.
  auto host_net = d.run({"run", "--rm", "--network", "host", "--dns", "192.0.2.9", "busybox", "cat",
                         "/etc/resolv.conf"});
  CHECK(contains(host_net.out, "nameserver 192.0.2.9\n"));
  // Without them the bridge has the host's resolvers, never the embedded one.
  auto plain = d.run({"run", "--rm", "busybox", "cat", "/etc/resolv.conf"});
  CHECK_FALSE(contains(plain.out, "127.0.0.11"));
  CHECK(contains(plain.out, "nameserver "));
}

TEST_CASE("flag --mac-address is eth0's address", "[netflags][integration]") {
  Daemon d;
  auto id = d.run_detached({"--mac-address", "02:42:AC:11:00:7A", "busybox", "sleep", "300"});
  auto r = d.run({"exec", id, "cat", "/sys/class/net/eth0/address"});
  CHECK(trim(r.out) == "02:42:ac:11:00:7a");
  auto link = d.run({"exec", id, "ip", "link", "show", "eth0"});
  CHECK(contains(link.out, "link/ether 02:42:ac:11:00:7a"));
  auto info = d.inspect(id);
  CHECK(info["NetworkSettings"]["MacAddress"] == "02:42:ac:11:00:7a");
  CHECK(info["Config"]["MacAddress"] == "02:42:ac:11:00:7a");
  d.check_run_refused({"--mac-address", "02:42:ac", "busybox", "true"},
                      "02:42:ac is not a valid mac address");
}

TEST_CASE("flag --expose lands in ExposedPorts and -P publishes it", "[netflags][integration]") {
  Daemon d;
  auto id = d.run_detached(
      {"--expose", "80", "--expose", "7000-7001/udp", "-P", "busybox", "sh", "-c", kServeHello});
  auto info = d.inspect(id);
  auto exposed = info["Config"]["ExposedPorts"];
  CHECK(exposed.contains("80/tcp"));
  CHECK(exposed.contains("7000/udp"));
  CHECK(exposed.contains("7001/udp"));
  auto ports = info["NetworkSettings"]["Ports"];
  REQUIRE(ports.contains("80/tcp"));
  const std::string host_port = ports["80/tcp"][0].value("HostPort", "");
  CHECK(!host_port.empty());
  CHECK(ports.contains("7000/udp"));
  CHECK(http_get_until("http://127.0.0.1:" + host_port + "/", "hello\n"));
  d.check_run_refused({"--expose", "80000", "busybox", "true"},
                      "invalid range format for --expose: 80000");
}

TEST_CASE("bad --add-host and --dns values are refused with Docker's texts",
          "[netflags][integration]") {
  Daemon d;
  d.check_run_refused(
      {"--add-host", "nocolon", "busybox", "true"},
      "invalid argument \"nocolon\" for \"--add-host\" flag: bad format for add-host: "
      "\"nocolon\"");
  d.check_run_refused({"--add-host", "db:1.2.3", "busybox", "true"},
                      "invalid IP address in add-host: \"1.2.3\"");
  d.check_run_refused({"--dns", "resolver", "busybox", "true"},
                      "IP address is not correctly formatted: resolver");
}

TEST_CASE("flag --network container:X shares X's namespace, names and server",
          "[netflags][integration]") {
  Daemon d;
  auto web = d.run_detached(
      {"--name", "web", "--hostname", "webhost", "busybox", "sh", "-c", kServeHello});
  const std::string ip = d.inspect(web)["NetworkSettings"].value("IPAddress", "");
  REQUIRE(!ip.empty());
  auto r = d.run({"run", "--rm", "--network", "container:web", "busybox", "sh", "-c",
                  "ip -o -4 addr show eth0; hostname; wget -qO- http://127.0.0.1/"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(contains(r.out, ip + "/"));
  CHECK(contains(r.out, "webhost\nhello\n"));
  // Its hosts file and resolv.conf are web's.
  auto mine = d.run({"run", "--rm", "--network", "container:" + web.substr(0, 12), "busybox", "cat",
                     "/etc/hosts", "/etc/resolv.conf"});
  auto theirs = d.run({"exec", web, "cat", "/etc/hosts", "/etc/resolv.conf"});
  CHECK(mine.out == theirs.out);

  auto kept = d.run_detached({"--network", "container:web", "busybox", "sleep", "300"});
  CHECK(d.inspect(kept)["HostConfig"]["NetworkMode"] == "container:" + web);
  auto links = d.run({"exec", kept, "ip", "-o", "link"});
  CHECK(contains(links.out, "eth0"));
}

TEST_CASE("flag --network container:X refuses conflicting options and a stopped X",
          "[netflags][integration]") {
  Daemon d;
  d.run_detached({"--name", "web", "busybox", "sleep", "300"});
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"-p", "8080:80"},
       "conflicting options: port publishing and the container type network mode"},
      {{"-P"}, "conflicting options: port publishing and the container type network mode"},
      {{"--hostname", "h"}, "conflicting options: hostname and the network mode"},
      {{"--dns", "1.1.1.1"}, "conflicting options: dns and the network mode"},
      {{"--dns-search", "example.com"}, "conflicting options: dns and the network mode"},
      {{"--dns-option", "ndots:1"}, "conflicting options: dns and the network mode"},
      {{"--add-host", "a:1.2.3.4"},
       "conflicting options: custom host-to-IP mapping and the network mode"},
      {{"--mac-address", "02:42:ac:11:00:02"},
       "conflicting options: mac-address and the network mode"},
      {{"--expose", "80"},
       "conflicting options: port exposing and the container type network mode"},
      {{"--network-alias", "a"},
       "network-scoped alias is supported only for containers in user defined networks"},
  };
  for (auto& [flags, text] : cases) {
    std::vector<std::string> args{"--network", "container:web"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"busybox", "true"});
    d.check_run_refused(args, text);
  }
  d.check_run_refused({"--network", "container:nosuch", "busybox", "true"},
                      "No such container: nosuch");
  REQUIRE(d.run({"stop", "-t", "1", "web"}).code == 0);
  d.check_run_refused({"--network", "container:web", "busybox", "true"},
                      "cannot join network namespace of a non running container: container web is "
                      "exited");
}

TEST_CASE("an --internal network has no default route, its containers reach each other",
          "[netflags][integration]") {
  Daemon d;
  const std::string name = unique_network_name();
  const std::string subnet = unique_subnet();
  auto made = d.run({"network", "create", "--internal", "--subnet", subnet, name});
  REQUIRE(made.code == 0);
  struct Cleanup {
    Daemon& d;
    std::string name;
    ~Cleanup() {
      d.try_run({"rm", "-f", "alpha", "beta"});
      d.try_run({"network", "rm", name});
    }
  } cleanup{d, name};
  auto a = d.run_detached({"--name", "alpha", "--network", name, "busybox", "sleep", "300"});
  d.run_detached({"--name", "beta", "--network", name, "busybox", "sleep", "300"});
  auto routes = d.run({"exec", a, "ip", "route"});
  INFO(routes);
  CHECK_FALSE(contains(routes.out, "default"));
  CHECK(contains(routes.out, subnet));
  auto ping = d.run({"exec", a, "ping", "-c", "1", "-W", "3", "beta"});
  INFO(ping);
  CHECK(ping.code == 0);
  // Its resolver answers the network's names and relays nothing outside.
  auto outside = d.try_run({"exec", a, "nslookup", "deb.debian.org"});
  INFO(outside);
  CHECK(outside.code != 0);
  auto net = json::parse(d.run({"network", "inspect", name}).out);
  CHECK(net[0]["Internal"] == true);
}
