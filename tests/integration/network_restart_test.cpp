// Networks across an asupd restart or crash: running containers keep their addresses,
// published ports and names; the allocator hands out nothing twice; what the next asupd
// cleans up after them is complete.
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "network_support.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

const std::string kServe =
    "mkdir /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www";

std::string ip_of(Daemon& d, const std::string& id) {
  return d.inspect(id)["NetworkSettings"].value("IPAddress", "");
}

void check_networks_survive(Daemon& d, bool crash) {
  UserNetwork net(d);
  std::string port = std::to_string(free_port(SOCK_STREAM));
  std::string web =
      d.run_detached({"--name", "web", "-p", port + ":80", "busybox", "sh", "-c", kServe});
  std::string a = d.run_detached({"--name", "aa", "--network", net.name(), "--network-alias",
                                  "alpha", "busybox", "sleep", "300"});
  REQUIRE(http_get_until("http://127.0.0.1:" + port + "/", "hello\n"));
  std::string web_ip = ip_of(d, web), a_ip = ip_of(d, a);

  if (crash)
    d.crash_daemon();
  else
    d.stop_daemon();
  // While no asupd runs, the rules stay in the kernel: the container keeps serving.
  CHECK(http_get_until("http://127.0.0.1:" + port + "/", "hello\n", 5));
  d.start_daemon();

  CHECK(http_get_until("http://127.0.0.1:" + port + "/", "hello\n"));
  CHECK(ip_of(d, web) == web_ip);
  CHECK(ip_of(d, a) == a_ip);
  auto r = d.run({"port", "web"});
  CHECK(r.out == "80/tcp -> 0.0.0.0:" + port + "\n");
  // The port is still held: a second container cannot take it.
  r = d.run({"run", "-d", "-p", port + ":80", "busybox", "true"});
  INFO(r);
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("port is already allocated"));

  // New containers get new addresses and still find the old ones by name.
  r = d.run({"run", "--rm", "--network", net.name(), "busybox", "sh", "-c",
             "ping -c1 -W2 alpha >/dev/null && ping -c1 -W2 aa >/dev/null && hostname -i"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out != a_ip + "\n");
  r = d.run({"run", "--rm", "busybox", "hostname", "-i"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out != web_ip + "\n");

  // Removing them afterwards leaves nothing behind.
  r = d.run({"rm", "-f", web, a});
  CHECK(r.code == 0);
  CHECK(eventually([&] { return http_get("http://127.0.0.1:" + port + "/").empty(); }, 10));
  CHECK_THAT(nft_table_of(d.bridge()), !Contains(port));
  auto inspected = d.run({"network", "inspect", "bridge", net.name()});
  REQUIRE(inspected.code == 0);
  for (auto& item : nlohmann::json::parse(inspected.out)) CHECK(item["Containers"].empty());
  CHECK(eventually([&] { return bridge_ports(d.bridge()).empty(); }, 30));
}

}  // namespace

TEST_CASE("containers keep addresses, ports and names across an asupd restart",
          "[integration][network][restart]") {
  Daemon d;
  check_networks_survive(d, false);
}

TEST_CASE("containers keep addresses, ports and names after an asupd crash",
          "[integration][network][restart]") {
  Daemon d;
  check_networks_survive(d, true);
}
