// A run request's network options into the container's config: Docker's rules for
// --expose with -P and for --network container:X.
#include <catch2/catch.hpp>

#include "engine/run_config.hpp"
#include "engine/run_network.hpp"

using namespace asup;
using namespace asup::engine;

namespace {

ContainerConfig merged(const RunRequest& r, const image::ImageConfig& image = {}) {
  ContainerConfig c;
  c.id = std::string(64, 'a');
  auto img = image;
  if (img.cmd.empty()) img.cmd = {"sh"};
  auto done = merge_run_config(r, img, c);
  REQUIRE(done);
  return c;
}

std::string merge_error(const RunRequest& r) {
  ContainerConfig c;
  c.id = std::string(64, 'a');
  image::ImageConfig img;
  img.cmd = {"sh"};
  auto done = merge_run_config(r, img, c);
  REQUIRE(done.has_error());
  return done.error().message;
}

}  // namespace

TEST_CASE("network options land in the config, typed", "[engine][netflags]") {
  RunRequest r;
  r.image = "busybox";
  r.add_hosts = {"db=10.0.0.5", "gw:host-gateway"};
  r.dns = {"192.0.2.53"};
  r.dns_search = {"example.com."};
  r.dns_options = {"ndots:2"};
  r.mac_address = "02:42:AC:11:00:0A";
  auto c = merged(r);
  CHECK(c.net_options.extra_hosts == std::vector<std::string>{"db:10.0.0.5", "gw:host-gateway"});
  CHECK(c.net_options.dns == std::vector<std::string>{"192.0.2.53"});
  CHECK(c.net_options.dns_search == std::vector<std::string>{"example.com"});
  CHECK(c.net_options.dns_options == std::vector<std::string>{"ndots:2"});
  CHECK(c.net_options.mac_address == "02:42:ac:11:00:0a");
}

TEST_CASE("ExposedPorts: the image's, -p's and --expose's: -P publishes them all",
          "[engine][netflags]") {
  RunRequest r;
  r.image = "busybox";
  r.publish = {"8080:80"};
  r.expose = {"9000-9001", "53/udp"};
  image::ImageConfig img;
  img.exposed_ports = {"443/tcp"};
  auto c = merged(r, img);
  CHECK(c.net_options.exposed_ports ==
        std::vector<std::string>{"443/tcp", "80/tcp", "9000/tcp", "9001/tcp", "53/udp"});
  CHECK(c.publish == std::vector<std::string>{"8080:80"});
  r.publish_all = true;
  auto all = merged(r, img);
  CHECK(all.publish ==
        std::vector<std::string>{"8080:80", "443/tcp", "9000/tcp", "9001/tcp", "53/udp"});
}

TEST_CASE("bad network options fail with Docker's texts", "[engine][netflags]") {
  RunRequest r;
  r.image = "busybox";
  r.mac_address = "nope";
  CHECK(merge_error(r) == "nope is not a valid mac address");
  r.mac_address.clear();
  r.add_hosts = {"x"};
  CHECK(merge_error(r) ==
        "invalid argument \"x\" for \"--add-host\" flag: bad format for add-host: \"x\"");
}

TEST_CASE("flag --network container:X refuses what needs a namespace of its own",
          "[engine][netflags]") {
  auto with = [](auto set) {
    RunRequest r;
    r.image = "busybox";
    r.network = "container:web";
    set(r);
    return merge_error(r);
  };
  CHECK(with([](RunRequest& r) { r.hostname = "h"; }) ==
        "conflicting options: hostname and the network mode");
  CHECK(with([](RunRequest& r) { r.dns = {"1.1.1.1"}; }) ==
        "conflicting options: dns and the network mode");
  CHECK(with([](RunRequest& r) { r.dns_search = {"x.com"}; }) ==
        "conflicting options: dns and the network mode");
  CHECK(with([](RunRequest& r) { r.add_hosts = {"a:1.2.3.4"}; }) ==
        "conflicting options: custom host-to-IP mapping and the network mode");
  CHECK(with([](RunRequest& r) { r.mac_address = "02:42:ac:11:00:0a"; }) ==
        "conflicting options: mac-address and the network mode");
  CHECK(with([](RunRequest& r) { r.publish = {"80"}; }) ==
        "conflicting options: port publishing and the container type network mode");
  CHECK(with([](RunRequest& r) { r.publish_all = true; }) ==
        "conflicting options: port publishing and the container type network mode");
  CHECK(with([](RunRequest& r) { r.expose = {"80"}; }) ==
        "conflicting options: port exposing and the container type network mode");
  CHECK(with([](RunRequest& r) { r.network_aliases = {"a"}; }) ==
        "network-scoped alias is supported only for containers in user defined networks");
}

TEST_CASE("flag --mac-address with the host's network is refused", "[engine][netflags]") {
  RunRequest r;
  r.image = "busybox";
  r.network = "host";
  r.mac_address = "02:42:ac:11:00:0a";
  CHECK(merge_error(r) == "conflicting options: mac-address and the network mode");
}
