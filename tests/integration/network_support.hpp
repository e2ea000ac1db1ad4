// What the network tests share: user networks that remove themselves, the host's side of
// things (its address, its links, asupd's nft table) and plain sockets on the host to talk
// to containers through published ports and the bridge. Nothing here leaves the host.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"

namespace asup::it {

// A user network on `daemon` with a unique name and a unique /24 (or `subnet`), created at
// once (required to succeed). It goes with the test: the containers still on it are removed
// first, then the network.
class UserNetwork {
 public:
  explicit UserNetwork(Daemon& daemon, const std::string& subnet = "");
  ~UserNetwork();
  UserNetwork(const UserNetwork&) = delete;
  UserNetwork& operator=(const UserNetwork&) = delete;

  const std::string& name() const { return name_; }
  const std::string& id() const { return id_; }
  const std::string& subnet() const { return subnet_; }
  std::string gateway() const { return first_host(subnet_); }

 private:
  Daemon& daemon_;
  std::string name_, subnet_, id_;
};

// "net-PID-N": unique within this host's live test processes.
std::string unique_network_name();

// Runs a host program (argv[0] a path) to completion; requires it to exit 0 and returns its
// stdout.
std::string host_output(const std::vector<std::string>& argv);
// Interface names of `ip -o link` output, without the "@ifN" of a veth.
std::vector<std::string> link_names(const std::string& ip_o_link);
// The host's first IPv4 address that is neither loopback nor on a bridge.
std::string host_ipv4();
// The `ip -o link show master BRIDGE` lines: the ports of a bridge.
std::vector<std::string> bridge_ports(const std::string& bridge);
// A port nothing on the host listens on right now (of `type`, SOCK_STREAM or SOCK_DGRAM).
int free_port(int type);

// curl -s URL (no proxy, 2 s at most): the body, "" when it failed.
std::string http_get(const std::string& url);
// Fetches `url` until its body is `body`, for up to `timeout_seconds`.
bool http_get_until(const std::string& url, const std::string& body, double timeout_seconds = 15);
// Sends `data` to IP:PORT over UDP from a fresh socket and waits up to `wait_seconds` for
// a reply datagram; nullopt when none came.
std::optional<std::string> udp_exchange(const std::string& ip, int port, const std::string& data,
                                        double wait_seconds);

// `nft -s list table` of the table asupd keeps for `bridge` (its name holds the bridge's),
// "" when there is none.
std::string nft_table_of(const std::string& bridge);

// A TCP listener on IP:<free port>, for connections from containers.
class TcpListener {
 public:
  explicit TcpListener(const std::string& ip);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  int port() const { return port_; }
  struct Connection {
    std::string peer_ip;
    std::string data;  // all it sent, up to EOF
  };
  // Accepts one connection and reads it to EOF; nullopt when none came in time.
  std::optional<Connection> receive(double timeout_seconds);

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Loads into `daemon` an image named `reference` whose config has ExposedPorts
// {"80/tcp":{}} and whose Cmd serves "exposed\n" over HTTP on port 80 (busybox httpd).
void load_exposed_port_image(Daemon& daemon, const std::string& reference);

// The directory of the static programs that tests bind-mount into containers.
std::string test_helpers_dir();

}  // namespace asup::it
