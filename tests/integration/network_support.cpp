#include "network_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "http_fixtures.hpp"
#include "pull_support.hpp"

namespace asup::it {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in ipv4_address(const std::string& ip, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  REQUIRE(::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) == 1);
  return addr;
}

int remaining_ms(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return ms > 0 ? static_cast<int>(ms) : 0;
}

// Waits for `fd` to become readable until `deadline`.
bool readable(int fd, Clock::time_point deadline) {
  pollfd p{fd, POLLIN, 0};
  int rc;
  while ((rc = ::poll(&p, 1, remaining_ms(deadline))) < 0 && errno == EINTR) {
  }
  return rc > 0;
}

}  // namespace

UserNetwork::UserNetwork(Daemon& daemon, const std::string& subnet)
    : daemon_(daemon),
      name_(unique_network_name()),
      subnet_(subnet.empty() ? unique_subnet() : subnet) {
  auto r = daemon_.run({"network", "create", "--subnet", subnet_, name_});
  INFO(r);
  REQUIRE(r.code == 0);
  id_ = trim(r.out);
  REQUIRE(is_hex_id(id_));
}

UserNetwork::~UserNetwork() {
  try {
    auto r = daemon_.try_run({"network", "inspect", name_}, "", 20);
    auto items = nlohmann::json::parse(r.out, nullptr, false);
    std::vector<std::string> rm{"rm", "-f"};
    if (items.is_array() && items.size() == 1 && items[0].contains("Containers") &&
        items[0]["Containers"].is_object())
      for (auto& [id, unused] : items[0]["Containers"].items()) rm.push_back(id);
    if (rm.size() > 2) daemon_.try_run(rm, "", 60);
    daemon_.try_run({"network", "rm", name_}, "", 20);
  } catch (...) {
  }
}

std::string unique_network_name() {
  static std::atomic<unsigned> serial{0};
  return "net-" + std::to_string(::getpid()) + "-" + std::to_string(serial++);
}

std::string host_output(const std::vector<std::string>& argv) {
  auto r = run_tool(argv, 60);
  INFO(r);
  REQUIRE(r.code == 0);
  return r.out;
}

std::vector<std::string> link_names(const std::string& ip_o_link) {
  std::vector<std::string> names;
  for (auto& line : lines(ip_o_link)) {
    // "4: eth0: <BROADCAST,...> mtu 1400 ..." or "7: veth1a2b@if6: <...>"
    auto first = line.find(": ");
    if (first == std::string::npos) continue;
    auto end = line.find(": ", first + 2);
    std::string name = line.substr(first + 2, end - first - 2);
    names.push_back(name.substr(0, name.find('@')));
  }
  return names;
}

std::string host_ipv4() {
  for (auto& line : lines(host_output({"/usr/sbin/ip", "-4", "-o", "addr"}))) {
    // "4: eth0    inet 192.0.2.2/24 brd ..."
    std::istringstream in(line);
    std::string index, name, family, cidr;
    in >> index >> name >> family >> cidr;
    std::error_code ec;
    if (name == "lo" || family != "inet" ||
        std::filesystem::exists("/sys/class/net/" + name + "/bridge", ec))
      continue;
    return cidr.substr(0, cidr.find('/'));
  }
  FAIL("the host has no IPv4 address besides loopback and bridges");
  return "";
}

std::vector<std::string> bridge_ports(const std::string& bridge) {
  return lines(run_tool({"/usr/sbin/ip", "-o", "link", "show", "master", bridge}, 20).out);
}

int free_port(int type) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr = ipv4_address("0.0.0.0", 0);
  socklen_t len = sizeof addr;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  REQUIRE(ok);
  return ntohs(addr.sin_port);
}

std::string http_get(const std::string& url) {
  return run_tool({"/usr/bin/curl", "-s", "--noproxy", "*", "--max-time", "2", url}, 10).out;
}

bool http_get_until(const std::string& url, const std::string& body, double timeout_seconds) {
  return eventually([&] { return http_get(url) == body; }, timeout_seconds);
}

std::optional<std::string> udp_exchange(const std::string& ip, int port, const std::string& data,
                                        double wait_seconds) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in to = ipv4_address(ip, port);
  std::optional<std::string> reply;
  if (::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
          static_cast<ssize_t>(data.size()) &&
      readable(fd, Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(wait_seconds)))) {
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n >= 0) reply = std::string(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return reply;
}

std::string nft_table_of(const std::string& bridge) {
  for (auto& line : lines(host_output({"/usr/sbin/nft", "list", "tables"}))) {
    std::istringstream in(line);
    std::string keyword, family, name;
    in >> keyword >> family >> name;
    if (keyword == "table" && contains(name, bridge))
      return host_output({"/usr/sbin/nft", "-s", "list", "table", family, name});
  }
  return "";
}

TcpListener::TcpListener(const std::string& ip) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd_ >= 0);
  sockaddr_in addr = ipv4_address(ip, 0);
  socklen_t len = sizeof addr;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 8) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int error = errno;
    ::close(fd_);  // the destructor does not run for a constructor that throws
    FAIL("listen on " << ip << ": " << std::strerror(error));
  }
  port_ = ntohs(addr.sin_port);
}

TcpListener::~TcpListener() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<TcpListener::Connection> TcpListener::receive(double timeout_seconds) {
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(timeout_seconds));
  if (!readable(fd_, deadline)) return std::nullopt;
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  int conn = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
  if (conn < 0) return std::nullopt;
  char ip[INET_ADDRSTRLEN] = "";
  ::inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
  Connection c{ip, ""};
  char buf[4096];
  for (;;) {
    if (!readable(conn, deadline)) break;
    ssize_t n = ::read(conn, buf, sizeof buf);
    if (n <= 0) break;
    c.data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(conn);
  return c;
}

void load_exposed_port_image(Daemon& daemon, const std::string& reference) {
  TempDir tmp("asup-it-exposed");
  OciLayoutBuilder builder(tmp / "layout");
  start_busybox_image(builder);
  builder.add_layer(TarBuilder{}.directory("www").file("www/index.html", "exposed\n").bytes());
  auto& config = builder.config()["config"];
  config["ExposedPorts"] = {{"80/tcp", nlohmann::json::object()}};
  config["Cmd"] = {"/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/www"};
  builder.write_image(reference);
  host_output({"/usr/bin/tar", "-C", builder.dir(), "-cf", tmp / "layout.tar", "."});
  auto r = daemon.run({"load", "-i", tmp / "layout.tar"}, "", 120);
  INFO(r);
  REQUIRE(r.code == 0);
}

std::string test_helpers_dir() {
  return bin_path("test-helpers");
}

}  // namespace asup::it
