// Networking as a Docker user meets it: the default bridge, user networks with names and
// aliases, --network none and host, published ports (tcp, udp, -P), the way out through the
// gateway, many containers at once, bad input that leaves nothing behind, and connect and
// disconnect. Every daemon has its own bridge and subnet (harness.hpp), every user network a
// name and a subnet of its own; traffic stays on the host and in the containers' namespaces.
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "harness.hpp"
#include "network_support.hpp"

using namespace asup::it;
using Catch::Contains;
using nlohmann::json;

namespace {

// Serves "hello\n" on port 80 of the container.
const std::string kServeHello =
    "mkdir /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www";

Result exec_in(Daemon& d, const std::string& id, std::vector<std::string> cmd) {
  cmd.insert(cmd.begin(), {"exec", id});
  return d.run(cmd);
}

json network_settings(Daemon& d, const std::string& id) {
  return d.inspect(id).at("NetworkSettings");
}

// The address a container has on `network`, "" when it is not on it.
std::string address_on(Daemon& d, const std::string& id, const std::string& network) {
  auto networks = network_settings(d, id).value("Networks", json::object());
  return networks.contains(network) ? networks[network].value("IPAddress", "") : "";
}

// The rows of `ps -a --format json`, by container name.
std::map<std::string, json> ps_rows(Daemon& d) {
  auto r = d.run({"ps", "-a", "--format", "json"});
  INFO(r);
  REQUIRE(r.code == 0);
  std::map<std::string, json> rows;
  for (auto& line : lines(r.out)) {
    auto row = json::parse(line);
    rows[row.value("Names", "")] = row;
  }
  return rows;
}

json network_inspect(Daemon& d, const std::string& name) {
  auto r = d.run({"network", "inspect", name});
  INFO(r);
  REQUIRE(r.code == 0);
  auto items = json::parse(r.out);
  REQUIRE(items.size() == 1);
  return items[0];
}

// "10.1.2.0/24", 7 -> "10.1.2.7"
std::string host_in(const std::string& subnet, int host) {
  std::string base = subnet.substr(0, subnet.find('/'));
  return base.substr(0, base.rfind('.') + 1) + std::to_string(host);
}

std::string prefix_of(const std::string& subnet) {
  return subnet.substr(0, subnet.find('/'));
}

// The names /etc/hosts text gives `ip`.
std::vector<std::string> hosts_names(const std::string& hosts, const std::string& ip) {
  std::vector<std::string> names;
  for (auto& line : lines(hosts)) {
    std::istringstream in(line);
    std::string address, name;
    if (!(in >> address) || address != ip) continue;
    while (in >> name) names.push_back(name);
  }
  return names;
}

std::set<std::string> link_set(const std::string& ip_o_link) {
  auto names = link_names(ip_o_link);
  return {names.begin(), names.end()};
}

// The one port a `port CONTAINER PRIVATE` line shows on 0.0.0.0.
std::string host_port_of(const Result& port_output) {
  INFO(port_output);
  std::smatch m;
  std::string first = lines(port_output.out).empty() ? "" : lines(port_output.out)[0];
  REQUIRE(std::regex_match(first, m, std::regex(R"(0\.0\.0\.0:(\d+))")));
  return m[1];
}

void check_one_line_error(const Result& r, int code, const std::string& text) {
  INFO(r);
  CHECK(r.code == code);
  CHECK(r.out == "");
  CHECK(lines(r.err).size() == 1);
  CHECK_THAT(r.err, Contains(text));
}

}  // namespace

TEST_CASE("containers on the default bridge get an address of its subnet and reach each other",
          "[integration][network]") {
  Daemon d;
  std::string web = d.run_detached({"--name", "web", "busybox", "sh", "-c", kServeHello});
  auto settings = network_settings(d, web);
  INFO(settings.dump(2));
  std::string ip = settings.value("IPAddress", "");
  CHECK(in_subnet(ip, d.subnet()));
  CHECK(ip != d.gateway());
  CHECK(settings.value("Gateway", "") == d.gateway());
  CHECK(settings.value("IPPrefixLen", 0) == 24);
  CHECK(std::regex_match(settings.value("MacAddress", ""),
                         std::regex("([0-9a-f]{2}:){5}[0-9a-f]{2}")));
  CHECK(address_on(d, web, "bridge") == ip);
  CHECK(settings["Networks"]["bridge"].value("Gateway", "") == d.gateway());

  // What the workload sees: eth0 with that address, the default route via the gateway.
  auto r = exec_in(d, web, {"ip", "-o", "-4", "addr", "show", "eth0"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains("inet " + ip + "/24"));
  r = exec_in(d, web, {"ip", "route"});
  INFO(r);
  CHECK_THAT(r.out, Contains("default via " + d.gateway()));
  // The host's end: a veth on the test's bridge.
  CHECK(bridge_ports(d.bridge()).size() == 1);

  std::string other = d.run_detached({"busybox", "sleep", "1000"});
  std::string other_ip = address_on(d, other, "bridge");
  CHECK(in_subnet(other_ip, d.subnet()));
  CHECK(other_ip != ip);
  CHECK(bridge_ports(d.bridge()).size() == 2);
  r = exec_in(d, other, {"ping", "-c1", "-W2", ip});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(eventually(
      [&] {
        return d.try_run({"exec", other, "wget", "-qO-", "http://" + ip + "/"}).out == "hello\n";
      },
      15));

  auto rows = ps_rows(d);
  CHECK(rows["web"].value("Networks", "") == "bridge");
  CHECK(rows["web"].value("Ports", "") == "");
}

TEST_CASE("containers on a user network find each other by name and by alias",
          "[integration][network]") {
  Daemon d;
  UserNetwork net(d);
  std::string a = d.run_detached({"--network", net.name(), "--name", "aa", "--network-alias", "web",
                                  "busybox", "sleep", "1000"});
  std::string b = d.run_detached({"--net", net.name(), "--name", "bb", "busybox", "sleep", "1000"});
  std::string ip_a = address_on(d, a, net.name());
  CHECK(in_subnet(ip_a, net.subnet()));
  auto a_json = d.inspect(a);
  INFO(a_json.dump(2));
  CHECK(a_json["HostConfig"].value("NetworkMode", "") == net.name());
  auto& endpoint = a_json["NetworkSettings"]["Networks"][net.name()];
  CHECK(endpoint.value("Gateway", "") == net.gateway());
  CHECK(endpoint.value("NetworkID", "") == net.id());
  auto aliases = endpoint.value("Aliases", std::vector<std::string>{});
  CHECK(std::count(aliases.begin(), aliases.end(), "web") == 1);
  CHECK(address_on(d, a, "bridge") == "");

  auto r = exec_in(d, b, {"ping", "-c1", "-W2", "aa"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains(ip_a));
  r = exec_in(d, b, {"ping", "-c1", "-W2", "web"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains(ip_a));
  r = exec_in(d, b, {"cat", "/etc/hosts"});
  INFO(r);
  auto names = hosts_names(r.out, ip_a);
  CHECK(std::count(names.begin(), names.end(), "aa") == 1);

  // network inspect: the subnet, the gateway, the bridge on the host, both containers.
  auto n = network_inspect(d, net.name());
  INFO(n.dump(2));
  CHECK(n.value("Name", "") == net.name());
  CHECK(n.value("Id", "") == net.id());
  CHECK(n.value("Driver", "") == "bridge");
  CHECK(n.value("Scope", "") == "local");
  CHECK(n["IPAM"]["Config"][0].value("Subnet", "") == net.subnet());
  CHECK(n["IPAM"]["Config"][0].value("Gateway", "") == net.gateway());
  std::string bridge = n["Options"].value("com.docker.network.bridge.name", "");
  CHECK(bridge != "");
  CHECK(bridge_ports(bridge).size() == 2);
  REQUIRE(n["Containers"].contains(a));
  CHECK(n["Containers"][a].value("Name", "") == "aa");
  CHECK(n["Containers"][a].value("IPv4Address", "") == ip_a + "/24");
  CHECK(n["Containers"].contains(b));

  // network ls: Docker's columns, the three built-in networks and this one.
  r = d.run({"network", "ls"});
  INFO(r);
  CHECK(r.code == 0);
  REQUIRE(!lines(r.out).empty());
  CHECK(std::regex_match(lines(r.out)[0], std::regex("NETWORK ID +NAME +DRIVER +SCOPE")));
  CHECK_THAT(r.out, Contains(net.id().substr(0, 12)));
  std::map<std::string, json> listed;
  for (auto& line : lines(d.run({"network", "list", "--format", "json"}).out)) {
    auto row = json::parse(line);
    listed[row.value("Name", "")] = row;
  }
  CHECK(listed["bridge"].value("Driver", "") == "bridge");
  CHECK(listed["host"].value("Driver", "") == "host");
  CHECK(listed["none"].value("Driver", "") == "null");
  CHECK(listed[net.name()].value("Driver", "") == "bridge");
  CHECK(listed[net.name()].value("Scope", "") == "local");
  CHECK(listed[net.name()].value("ID", "") == net.id().substr(0, 12));
  auto ids = lines(d.run({"network", "ls", "-q", "--no-trunc"}).out);
  CHECK(std::count(ids.begin(), ids.end(), net.id()) == 1);
  CHECK(ids.size() == listed.size());
  r = d.run({"network", "ls", "--format", "{{.Name}}={{.Driver}}"});
  CHECK_THAT(r.out, Contains(net.name() + "=bridge\n"));

  CHECK(ps_rows(d)["aa"].value("Networks", "") == net.name());
}

TEST_CASE("network none leaves only lo and network host shows the host's interfaces",
          "[integration][network]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "--network", "none", "busybox", "ip", "-o", "link"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(link_set(r.out) == std::set<std::string>{"lo"});
  CHECK(std::regex_search(r.out, std::regex("<[^>]*\\bUP\\b")));
  std::string host_ns = std::filesystem::read_symlink("/proc/self/ns/net").string();
  r = d.run({"run", "--rm", "--network", "none", "busybox", "readlink", "/proc/self/ns/net"});
  CHECK(trim(r.out) != host_ns);
  std::string isolated = d.run_detached({"--network", "none", "busybox", "sleep", "1000"});
  CHECK(network_settings(d, isolated).value("IPAddress", "") == "");
  CHECK(d.inspect(isolated)["HostConfig"].value("NetworkMode", "") == "none");

  // A container on the default bridge makes sure the bridge is there to be seen.
  d.run_detached({"busybox", "sleep", "1000"});
  auto host_links = link_set(host_output({"/usr/sbin/ip", "-o", "link"}));
  REQUIRE(host_links.count(d.bridge()) == 1);
  r = d.run({"run", "--rm", "--network", "host", "busybox", "ip", "-o", "link"});
  INFO(r);
  CHECK(r.code == 0);
  auto seen = link_set(r.out);
  CHECK(seen.count("lo") == 1);
  CHECK(seen.count(d.bridge()) == 1);
  // Other daemons on the host add and remove veths meanwhile: what was there before and is
  // still there after must have been seen.
  auto host_links_after = link_set(host_output({"/usr/sbin/ip", "-o", "link"}));
  for (auto& name : host_links)
    if (host_links_after.count(name)) CHECK(seen.count(name) == 1);
  r = d.run({"run", "--rm", "--network", "host", "busybox", "readlink", "/proc/self/ns/net"});
  CHECK(trim(r.out) == host_ns);
  std::string on_host = d.run_detached({"--network", "host", "busybox", "sleep", "1000"});
  CHECK(d.inspect(on_host)["HostConfig"].value("NetworkMode", "") == "host");
}

TEST_CASE("published tcp ports answer on loopback and on the host's address",
          "[integration][network][publish]") {
  Daemon d;
  std::string port = std::to_string(free_port(SOCK_STREAM));
  d.run_detached({"--name", "fixed", "-p", port + ":80", "busybox", "sh", "-c", kServeHello});
  CHECK(http_get_until("http://127.0.0.1:" + port + "/", "hello\n"));
  CHECK(http_get_until("http://" + host_ipv4() + ":" + port + "/", "hello\n"));

  auto r = d.run({"port", "fixed"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "80/tcp -> 0.0.0.0:" + port + "\n");
  CHECK(d.run({"port", "fixed", "80"}).out == "0.0.0.0:" + port + "\n");
  CHECK(d.run({"port", "fixed", "80/tcp"}).out == "0.0.0.0:" + port + "\n");
  r = d.run({"port", "fixed", "81"});
  INFO(r);
  CHECK(r.code == 1);
  CHECK(r.err == "Error: No public port '81/tcp' published for fixed\n");
  auto bindings = network_settings(d, "fixed")["Ports"]["80/tcp"];
  INFO(bindings.dump());
  REQUIRE(bindings.size() == 1);
  CHECK(bindings[0].value("HostIp", "") == "0.0.0.0");
  CHECK(bindings[0].value("HostPort", "") == port);

  // -p 80: a port the daemon picks.
  d.run_detached({"--name", "random", "-p", "80", "busybox", "sh", "-c", kServeHello});
  std::string random = host_port_of(d.run({"port", "random", "80"}));
  CHECK(random != port);
  CHECK(http_get_until("http://127.0.0.1:" + random + "/", "hello\n"));

  // ps: PORTS between STATUS and NAMES, in Docker's words.
  r = d.run({"ps"});
  INFO(r);
  auto header = lines(r.out).at(0);
  CHECK(header.find("STATUS") < header.find("PORTS"));
  CHECK(header.find("PORTS") < header.find("NAMES"));
  CHECK_THAT(r.out, Contains("0.0.0.0:" + port + "->80/tcp"));
  CHECK_THAT(r.out, Contains("0.0.0.0:" + random + "->80/tcp"));
  CHECK(ps_rows(d)["fixed"].value("Ports", "") == "0.0.0.0:" + port + "->80/tcp");

  // The port goes with the container.
  r = d.run({"rm", "-f", "fixed"});
  CHECK(r.code == 0);
  CHECK(eventually([&] { return http_get("http://127.0.0.1:" + port + "/").empty(); }, 10));
  d.run_detached({"--name", "again", "-p", port + ":80", "busybox", "sh", "-c", kServeHello});
  CHECK(http_get_until("http://127.0.0.1:" + port + "/", "hello\n"));
}

TEST_CASE("a published udp port carries datagrams both ways", "[integration][network][publish]") {
  Daemon d;
  int port = free_port(SOCK_DGRAM);
  std::string id =
      d.run_detached({"--name", "udp", "-p", std::to_string(port) + ":5353/udp", "-v",
                      test_helpers_dir() + ":/helpers:ro", "busybox", "/helpers/udp_echo", "5353"});
  REQUIRE(d.wait_logs(id, "listening on 5353/udp"));
  for (const std::string& ip : {std::string("127.0.0.1"), host_ipv4()}) {
    INFO("to " << ip << ":" << port);
    std::optional<std::string> reply;
    // A datagram that arrives before the rules are in place is lost: send again.
    CHECK(eventually(
        [&] {
          reply = udp_exchange(ip, port, "datagram to " + ip, 1);
          return reply.has_value();
        },
        15));
    CHECK(reply.value_or("") == "datagram to " + ip);
    CHECK(d.wait_logs(id, "received: datagram to " + ip));
  }
  CHECK(d.run({"port", "udp"}).out == "5353/udp -> 0.0.0.0:" + std::to_string(port) + "\n");
  CHECK(ps_rows(d)["udp"].value("Ports", "") == "0.0.0.0:" + std::to_string(port) + "->5353/udp");
}

TEST_CASE("publish-all puts the image's exposed ports on ports the daemon picks",
          "[integration][network][publish]") {
  Daemon d;
  load_exposed_port_image(d, "exposed:1");
  d.run_detached({"--name", "all", "-P", "exposed:1"});
  auto r = d.run({"port", "all"});
  INFO(r);
  std::smatch m;
  REQUIRE(std::regex_match(r.out, m, std::regex("80/tcp -> 0\\.0\\.0\\.0:(\\d+)\n")));
  std::string port = m[1];
  CHECK(http_get_until("http://127.0.0.1:" + port + "/", "exposed\n"));
  CHECK(network_settings(d, "all")["Ports"]["80/tcp"][0].value("HostPort", "") == port);

  // Exposed is not published.
  d.run_detached({"--name", "quiet", "exposed:1"});
  r = d.run({"port", "quiet"});
  CHECK(r.code == 0);
  CHECK(r.out == "");
  r = d.run({"port", "quiet", "80"});
  CHECK(r.code == 1);
  CHECK(r.err == "Error: No public port '80/tcp' published for quiet\n");
}

TEST_CASE("containers connect out through the gateway and the subnet is masqueraded",
          "[integration][network]") {
  Daemon d;
  std::string id = d.run_detached({"busybox", "sleep", "1000"});
  std::string ip = address_on(d, id, "bridge");
  TcpListener listener(d.gateway());
  auto client = d.spawn(
      {"exec", id, "sh", "-c",
       "echo from-container | nc -w 5 " + d.gateway() + " " + std::to_string(listener.port())});
  auto connection = listener.receive(15);
  REQUIRE(connection);
  CHECK(connection->peer_ip == ip);
  CHECK(connection->data == "from-container\n");
  bool finished = client.wait(15);
  INFO(client.result());
  CHECK(finished);
  CHECK(client.result().code == 0);

  std::string table = nft_table_of(d.bridge());
  INFO(table);
  bool masquerades_subnet = false;
  for (auto& line : lines(table))
    masquerades_subnet |= contains(line, "masquerade") && contains(line, d.subnet());
  CHECK(masquerades_subnet);
}

TEST_CASE("200 containers at once on the default bridge: distinct addresses then a clean bridge",
          "[integration][network][scale]") {
  Daemon d;
  constexpr int kCount = 200;
  const std::string script =
      "ping -c1 -W5 " + d.gateway() + " >/dev/null && echo reached; exec sleep 300";
  std::vector<Process> launches;
  launches.reserve(kCount);
  for (int i = 0; i < kCount; ++i) {
    std::vector<std::string> args{"run", "-d"};
    if (i % 10 == 0) args.insert(args.end(), {"-p", "80"});  // some with a port to clean up
    args.insert(args.end(), {"busybox", "sh", "-c", script});
    launches.push_back(d.spawn(args));
  }
  REQUIRE(eventually([&] { return all_exited(launches); }, 240));
  auto ids = detached_ids(launches);
  REQUIRE(ids.size() == kCount);

  // Each one reached the gateway: it has a working address and route.
  std::set<std::string> unreached(ids.begin(), ids.end());
  eventually(
      [&] {
        for (auto it = unreached.begin(); it != unreached.end();)
          it = contains(d.try_run({"logs", *it}, "", 20).out, "reached") ? unreached.erase(it)
                                                                         : std::next(it);
        return unreached.empty();
      },
      60);
  CHECK(unreached.empty());
  std::vector<std::string> inspect{"inspect"};
  inspect.insert(inspect.end(), ids.begin(), ids.end());
  auto r = d.run(inspect, "", 60);
  REQUIRE(r.code == 0);
  std::set<std::string> addresses;
  std::vector<std::string> host_ports;
  for (auto& item : json::parse(r.out)) {
    auto& settings = item["NetworkSettings"];
    std::string ip = settings.value("IPAddress", "");
    CHECK(in_subnet(ip, d.subnet()));
    addresses.insert(ip);
    if (settings["Ports"].contains("80/tcp"))
      host_ports.push_back(settings["Ports"]["80/tcp"][0].value("HostPort", ""));
  }
  CHECK(addresses.size() == kCount);
  CHECK(addresses.count(d.gateway()) == 0);
  CHECK(host_ports.size() == kCount / 10);
  CHECK(bridge_ports(d.bridge()).size() == kCount);
  auto mentions_port = [](const std::string& table, const std::string& port) {
    return std::regex_search(table, std::regex("\\b" + port + "\\b"));
  };
  std::string table = nft_table_of(d.bridge());
  for (auto& port : host_ports) CHECK(mentions_port(table, port));

  std::vector<std::string> rm{"rm", "-f"};
  rm.insert(rm.end(), ids.begin(), ids.end());
  r = d.run(rm, "", 180);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(lines(r.out).size() == kCount);
  CHECK(trim(d.run({"ps", "-aq"}).out) == "");
  // The kernel deletes a namespace's veths asynchronously once its last process is gone.
  CHECK(eventually([&] { return bridge_ports(d.bridge()).empty(); }, 30));
  table = nft_table_of(d.bridge());
  INFO(table);
  for (auto& port : host_ports) CHECK_FALSE(mentions_port(table, port));
  auto bridge = network_inspect(d, "bridge");
  INFO(bridge.dump(2));
  CHECK((bridge["Containers"].is_null() || bridge["Containers"].empty()));
  // The allocator's own record is empty too: a restarted asupd would hand out every address.
  auto ipam_text = read_text(d.root() + "/networks/" + bridge.value("Id", "") + "/ipam.json");
  INFO(ipam_text);
  CHECK(json::parse(ipam_text)["allocated"].empty());
}

TEST_CASE("bad network input fails with one clear line and creates nothing",
          "[integration][network][errors]") {
  Daemon d;
  auto networks = [&] { return lines(d.run({"network", "ls", "-q"}).out); };
  auto before = networks();
  REQUIRE(before.size() == 3);  // bridge, host, none
  auto containers = [&] { return lines(d.run({"ps", "-aq"}).out); };

  SECTION("a prefix longer than 32 bits") {
    std::string bad = prefix_of(unique_subnet()) + "/33";
    auto r = d.run({"network", "create", "--subnet", bad, unique_network_name()});
    check_one_line_error(r, 1, "invalid CIDR address: " + bad);
    CHECK(networks() == before);
  }
  SECTION("a subnet that is no address") {
    for (std::string bad : {"10.300.0.0/24", "banana"}) {
      auto r = d.run({"network", "create", "--subnet", bad, unique_network_name()});
      check_one_line_error(r, 1, "invalid CIDR address: " + bad);
    }
    CHECK(networks() == before);
  }
  SECTION("a subnet overlapping another network's") {
    UserNetwork first(d);
    auto now = networks();
    for (std::string overlapping : {prefix_of(first.subnet()) + "/25", d.subnet()}) {
      auto r = d.run({"network", "create", "--subnet", overlapping, unique_network_name()});
      check_one_line_error(r, 1, "Pool overlaps with other one on this address space");
    }
    CHECK(networks() == now);
  }
  SECTION("a name that is taken") {
    UserNetwork first(d);
    auto now = networks();
    for (std::string taken : {first.name(), std::string("bridge")}) {
      auto r = d.run({"network", "create", "--subnet", unique_subnet(), taken});
      check_one_line_error(r, 1, "network with name " + taken + " already exists");
    }
    CHECK(networks() == now);
  }
  SECTION("a driver other than bridge") {
    auto r = d.run({"network", "create", "-d", "overlay", unique_network_name()});
    INFO(r);
    CHECK(r.code == 1);
    CHECK(lines(r.err).size() == 1);
    CHECK(networks() == before);
  }
  SECTION("a subnet with no address left") {
    // A /30: network, gateway, one host, broadcast.
    UserNetwork tiny(d, prefix_of(unique_subnet()) + "/30");
    std::string first = d.run_detached({"--network", tiny.name(), "busybox", "sleep", "1000"});
    CHECK(address_on(d, first, tiny.name()) == host_in(tiny.subnet(), 2));
    auto r = d.run({"run", "-d", "--network", tiny.name(), "busybox", "sleep", "1000"});
    check_one_line_error(r, 125,
                         "no available IPv4 addresses on this network's address pools: " +
                             tiny.name() + " (" + tiny.id() + ")");
    CHECK(containers().size() == 1);
  }
  SECTION("a host port that is taken") {
    std::string port = std::to_string(free_port(SOCK_STREAM));
    d.run_detached({"--name", "first", "-p", port + ":80", "busybox", "sleep", "1000"});
    auto r =
        d.run({"run", "-d", "--name", "second", "-p", port + ":80", "busybox", "sleep", "1000"});
    check_one_line_error(r, 125, "Bind for 0.0.0.0:" + port + " failed: port is already allocated");
    CHECK(containers().size() == 1);
    CHECK(d.try_run({"inspect", "second"}).code == 1);
    // Once the first is gone, the port is free again.
    CHECK(d.run({"rm", "-f", "first"}).code == 0);
    d.run_detached({"--name", "second", "-p", port + ":80", "busybox", "sleep", "1000"});
  }
  SECTION("a -p that is no port") {
    auto r = d.run({"run", "-d", "-p", "banana", "busybox", "sleep", "1000"});
    check_one_line_error(r, 125, "invalid containerPort: banana");
    r = d.run({"run", "-d", "-p", "99999:80", "busybox", "sleep", "1000"});
    check_one_line_error(r, 125, "invalid hostPort: 99999");
    CHECK(containers().empty());
  }
  SECTION("removing a network that containers use") {
    UserNetwork net(d);
    std::string id = d.run_detached({"--network", net.name(), "busybox", "sleep", "1000"});
    auto r = d.run({"network", "rm", net.name()});
    check_one_line_error(r, 1,
                         "network " + net.name() + " id " + net.id() + " has active endpoints");
    CHECK_THAT(r.err, Contains("Error response from daemon: "));
    CHECK(d.status(id) == "running");
    CHECK(network_inspect(d, net.name()).value("Id", "") == net.id());
    CHECK(d.run({"rm", "-f", id}).code == 0);
    r = d.run({"network", "rm", net.name()});
    INFO(r);
    CHECK(r.code == 0);
    CHECK(r.out == net.name() + "\n");
    CHECK(networks() == before);
  }
  SECTION("a network that does not exist") {
    auto r = d.run({"run", "--rm", "--network", "nosuchnet", "busybox", "true"});
    check_one_line_error(r, 125, "network nosuchnet not found");
    CHECK(containers().empty());
    r = d.run({"network", "rm", "nosuchnet"});
    check_one_line_error(r, 1, "network nosuchnet not found");
    r = d.run({"network", "inspect", "nosuchnet"});
    INFO(r);
    CHECK(r.code == 1);
    CHECK_THAT(r.err, Contains("nosuchnet"));
    std::string id = d.run_detached({"busybox", "sleep", "1000"});
    r = d.run({"network", "connect", "nosuchnet", id});
    check_one_line_error(r, 1, "network nosuchnet not found");
  }
}

TEST_CASE("network connect adds an interface on the network and disconnect takes it away",
          "[integration][network][connect]") {
  Daemon d;
  UserNetwork net(d);
  std::string id = d.run_detached({"--name", "cc", "busybox", "sleep", "1000"});
  std::string bridge_ip = address_on(d, id, "bridge");
  std::string wanted = host_in(net.subnet(), 50);

  auto r = d.run({"network", "connect", "--ip", wanted, "--alias", "cache", net.name(), "cc"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "");
  r = exec_in(d, id, {"ip", "-o", "-4", "addr", "show", "eth1"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains("inet " + wanted + "/24"));
  CHECK_THAT(exec_in(d, id, {"ip", "-o", "-4", "addr", "show", "eth0"}).out,
             Contains("inet " + bridge_ip + "/24"));
  CHECK(address_on(d, id, net.name()) == wanted);
  CHECK(address_on(d, id, "bridge") == bridge_ip);
  auto aliases =
      network_settings(d, id)["Networks"][net.name()].value("Aliases", std::vector<std::string>{});
  CHECK(std::count(aliases.begin(), aliases.end(), "cache") == 1);
  CHECK(network_inspect(d, net.name())["Containers"].contains(id));
  // Others on the network reach it by its alias.
  r = d.run({"run", "--rm", "--network", net.name(), "busybox", "ping", "-c1", "-W2", "cache"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains(wanted));

  r = d.run({"network", "disconnect", net.name(), "cc"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "");
  auto links = link_set(exec_in(d, id, {"ip", "-o", "link"}).out);
  CHECK(links.count("eth1") == 0);
  CHECK(links.count("eth0") == 1);
  CHECK(address_on(d, id, net.name()) == "");
  auto containers = network_inspect(d, net.name())["Containers"];
  CHECK((containers.is_null() || containers.empty()));

  // Again with an address from the pool, then -f.
  CHECK(d.run({"network", "connect", net.name(), id}).code == 0);
  CHECK(in_subnet(address_on(d, id, net.name()), net.subnet()));
  CHECK(link_set(exec_in(d, id, {"ip", "-o", "link"}).out).count("eth1") == 1);
  r = d.run({"network", "disconnect", "-f", net.name(), id});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(link_set(exec_in(d, id, {"ip", "-o", "link"}).out).count("eth1") == 0);

  // Names are the lowest free ones: with eth0 gone and eth1 live, the next is eth0 again.
  UserNetwork other(d);
  CHECK(d.run({"network", "connect", net.name(), id}).code == 0);
  CHECK(d.run({"network", "disconnect", "bridge", id}).code == 0);
  CHECK(eventually(
      [&] {
        return link_set(exec_in(d, id, {"ip", "-o", "link"}).out).count("eth0") == 0;
      },
      10));
  r = d.run({"network", "connect", other.name(), id});
  INFO(r);
  CHECK(r.code == 0);
  links = link_set(exec_in(d, id, {"ip", "-o", "link"}).out);
  CHECK(links.count("eth0") == 1);
  CHECK(links.count("eth1") == 1);
  CHECK(in_subnet(address_on(d, id, other.name()), other.subnet()));
}
