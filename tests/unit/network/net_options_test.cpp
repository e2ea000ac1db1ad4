// Docker's network flags read into typed values, with its error texts.
#include <catch2/catch.hpp>

#include "network/net_options.hpp"

using namespace asup::network;

TEST_CASE("flag --add-host takes NAME:IP, NAME=IP, brackets and host-gateway",
          "[network][netflags]") {
  CHECK(parse_extra_host("db:10.0.0.5").value() == "db:10.0.0.5");
  CHECK(parse_extra_host("db=10.0.0.5").value() == "db:10.0.0.5");
  CHECK(parse_extra_host("v6:::1").value() == "v6:::1");
  CHECK(parse_extra_host("v6=[2001:db8::1]").value() == "v6:2001:db8::1");
  CHECK(parse_extra_host("gw:host-gateway").value() == "gw:host-gateway");
}

TEST_CASE("flag --add-host refuses what Docker refuses, in its words", "[network][netflags]") {
  CHECK(parse_extra_host("db").error().message ==
        "invalid argument \"db\" for \"--add-host\" flag: bad format for add-host: \"db\"");
  CHECK(parse_extra_host(":1.2.3.4").error().message ==
        "invalid argument \":1.2.3.4\" for \"--add-host\" flag: bad format for add-host: "
        "\":1.2.3.4\"");
  CHECK(parse_extra_host("db:x").error().message ==
        "invalid argument \"db:x\" for \"--add-host\" flag: invalid IP address in add-host: \"x\"");
  CHECK(parse_extra_host("db:300.1.1.1").has_error());
}

TEST_CASE("flag --dns, --dns-search, --mac-address", "[network][netflags]") {
  CHECK(parse_dns_server("1.1.1.1").value() == "1.1.1.1");
  CHECK(parse_dns_server("2001:db8::53").value() == "2001:db8::53");
  CHECK(parse_dns_server("dns.example").error().message ==
        "invalid argument \"dns.example\" for \"--dns\" flag: IP address is not correctly "
        "formatted: dns.example");
  CHECK(parse_dns_search("example.com.").value() == "example.com");
  CHECK(parse_dns_search(".").value() == ".");
  CHECK(parse_dns_search("-bad-.com").has_error());
  CHECK(parse_dns_search("1.2.3.4").error().message ==
        "invalid argument \"1.2.3.4\" for \"--dns-search\" flag: 1.2.3.4 is not a valid domain");
  CHECK(parse_mac_address("02:42:AC:11:00:0A").value() == "02:42:ac:11:00:0a");
  CHECK(parse_mac_address("02:42:ac:11:00").error().message ==
        "02:42:ac:11:00 is not a valid mac address");
  CHECK(parse_mac_address("zz:42:ac:11:00:01").has_error());
}

TEST_CASE("flag --expose: a port, a range, a protocol: Docker's errors", "[network][netflags]") {
  CHECK(parse_expose("80").value() == std::vector<std::string>{"80/tcp"});
  CHECK(parse_expose("53/UDP").value() == std::vector<std::string>{"53/udp"});
  CHECK(parse_expose("8000-8002/udp").value() ==
        std::vector<std::string>{"8000/udp", "8001/udp", "8002/udp"});
  CHECK(parse_expose("8080:80").error().message == "invalid port format for --expose: 8080:80");
  CHECK(parse_expose("/tcp").error().message ==
        "invalid range format for --expose: /tcp, error: Empty string specified for ports.");
  CHECK(parse_expose("NaN/tcp").error().message ==
        "invalid range format for --expose: NaN/tcp, error: strconv.ParseUint: parsing \"NaN\": "
        "invalid syntax");
  CHECK(parse_expose("80000").error().message ==
        "invalid range format for --expose: 80000, error: strconv.ParseUint: parsing \"80000\": "
        "value out of range");
}

TEST_CASE("flag --add-host lines with host-gateway replaced", "[network][netflags]") {
  CHECK(extra_hosts_lines({"db:10.0.0.5", "gw:host-gateway"}, "10.88.0.1") ==
        "10.0.0.5\tdb\n10.88.0.1\tgw\n");
}

TEST_CASE("network options survive config.json", "[network][netflags]") {
  NetOptions o;
  o.extra_hosts = {"db:10.0.0.5"};
  o.dns = {"1.1.1.1"};
  o.dns_search = {"example.com"};
  o.dns_options = {"ndots:2"};
  o.mac_address = "02:42:ac:11:00:0a";
  o.exposed_ports = {"80/tcp"};
  CHECK(net_options_from_json(to_json(o)) == o);
  CHECK(net_options_from_json(nlohmann::json{{"dns", 5}}) == NetOptions{});
}
