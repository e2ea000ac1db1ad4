// Links, addresses and routes through libnl, on the real kernel. Each test runs in a thread
// that has its own network namespace (unshare affects only the calling thread), so nothing
// it creates is visible on the host and everything goes away with the thread's namespace.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "network/ipam.hpp"
#include "network/netlink.hpp"

namespace asup::network {
namespace {

template <class Fn>
void in_private_netns(Fn fn) {
  std::string failure;
  std::thread t([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      failure = "unshare(CLONE_NEWNET) failed";
      return;
    }
    failure = fn();
  });
  t.join();
  INFO(failure);
  CHECK(failure.empty());
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// sysfs shows the namespace it was mounted in, not the thread's: ask through a socket.
bool is_up(const char* name) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq req{};
  std::snprintf(req.ifr_name, sizeof req.ifr_name, "%s", name);
  bool up = ::ioctl(fd, SIOCGIFFLAGS, &req) == 0 && (req.ifr_flags & IFF_UP);
  ::close(fd);
  return up;
}

std::uint32_t ip(const char* text) {
  return parse_ipv4(text).value();
}

}  // namespace

TEST_CASE("a bridge is created or adopted with its gateway address", "[network][netlink]") {
  in_private_netns([]() -> std::string {
    auto sock = RouteSocket::open();
    if (!sock) return sock.error().describe();
    auto made = sock.value().ensure_bridge("asuptest0", {ip("10.66.0.1"), 24});
    if (!made) return made.error().describe();
    auto adopted = sock.value().ensure_bridge("asuptest0", {ip("10.66.0.1"), 24});
    if (!adopted) return "adopt: " + adopted.error().describe();
    if (adopted.value() != made.value()) return "a second bridge was made";
    if (int(::if_nametoindex("asuptest0")) != made.value()) return "index mismatch";
    if (!is_up("asuptest0")) return "bridge is not up";
    if (auto gone = sock.value().delete_link("asuptest0"); !gone) return gone.error().describe();
    auto missing = sock.value().link_index("asuptest0");
    if (missing || missing.error().code != ENODEV) return "bridge still there";
    return "";
  });
}

TEST_CASE("a veth pair joins a process's namespace with address and default route",
          "[network][netlink]") {
  in_private_netns([]() -> std::string {
    // A child in a namespace of its own plays the container.
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) return "pipe";
    pid_t child = ::fork();
    if (child == 0) {
      ::unshare(CLONE_NEWNET);
      char c = 1;
      (void)!::write(ready[1], &c, 1);
      ::pause();
      ::_exit(0);
    }
    ::close(ready[1]);
    char c;
    (void)!::read(ready[0], &c, 1);
    ::close(ready[0]);
    struct Reap {
      pid_t pid;
      ~Reap() {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    } reap{child};
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
    auto home = open_current_netns();
    auto host = RouteSocket::open();
    if (pidfd < 0 || !home || !host) return "setup";
    auto bridge = host.value().ensure_bridge("asuptest1", {ip("10.67.0.1"), 24});
    if (!bridge) return bridge.error().describe();
    if (auto r = host.value().add_veth("vethasuptest", bridge.value(), "eth0", child,
                                       mac_for(ip("10.67.0.2")));
        !r)
      return r.error().describe();
    if (!is_up("vethasuptest")) return "host end is not up";
    auto inside = RouteSocket::open_in(pidfd, home.value().get());
    if (!inside) return inside.error().describe();
    auto index = inside.value().link_index("eth0");
    if (!index) return index.error().describe();
    if (auto r = inside.value().add_address(index.value(), {ip("10.67.0.2"), 24}); !r)
      return r.error().describe();
    if (auto r = inside.value().set_up(index.value()); !r) return r.error().describe();
    if (auto r = inside.value().set_up(1); !r) return r.error().describe();
    if (auto r = inside.value().add_default_route(index.value(), ip("10.67.0.1")); !r)
      return r.error().describe();
    // The same address again is EEXIST, which ensure_bridge relies on.
    auto twice = inside.value().add_address(index.value(), {ip("10.67.0.2"), 24});
    if (twice || twice.error().code != EEXIST) return "duplicate address not reported as EEXIST";
    // The thread is back home: eth0 is not here, the host end is.
    if (::if_nametoindex("eth0") != 0) return "thread stayed in the child's namespace";
    if (::if_nametoindex("vethasuptest") == 0) return "host end missing";
    auto route = std::string(read_text("/proc/" + std::to_string(child) + "/net/route"));
    if (route.find("eth0\t00000000\t0100430A") == std::string::npos)
      return "no default route: " + route;
    auto addrs = read_text("/proc/" + std::to_string(child) + "/net/fib_trie");
    if (addrs.find("10.67.0.2") == std::string::npos) return "no address";
    return "";
  });
}

TEST_CASE("MAC addresses follow the IPv4 address as Docker's do", "[network][netlink]") {
  CHECK(mac_for(ip("172.17.0.2")) == "02:42:ac:11:00:02");
  CHECK(mac_for(ip("10.88.1.255")) == "02:42:0a:58:01:ff");
}

}  // namespace asup::network
