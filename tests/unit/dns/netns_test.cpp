// A container's resolver at 127.0.0.11:53 inside a network namespace the test makes (held
// by a forked child, gone with it), asked from inside that namespace: by busybox's
// nslookup when the host has busybox, and by the test's own client.
#include "dns/netns_sockets.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <thread>

#include "dns_client.hpp"
#include "loop_thread.hpp"
#include "skip.hpp"

namespace asup::dns {
namespace {

using testing::make_query;
using testing::parse_reply;

// A child in a new network namespace with lo up, alive until the object goes.
class HeldNetns {
 public:
  HeldNetns() {
    int ready[2], hold[2];
    if (::pipe2(ready, O_CLOEXEC) != 0 || ::pipe2(hold, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(hold[1]);
      char ok = (::unshare(CLONE_NEWNET) == 0 && bring_lo_up()) ? 'y' : 'n';
      (void)!::write(ready[1], &ok, 1);
      char byte;
      (void)!::read(hold[0], &byte, 1);  // EOF: the test is done
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(hold[0]);
    hold_ = hold[1];
    char ok = 'n';
    if (pid_ > 0 && ::read(ready[0], &ok, 1) == 1 && ok == 'y')
      fd_ = ::open(path().c_str(), O_RDONLY | O_CLOEXEC);
    ::close(ready[0]);
  }
  ~HeldNetns() {
    if (fd_ >= 0) ::close(fd_);
    if (hold_ >= 0) ::close(hold_);
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  bool valid() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  std::string path() const { return "/proc/" + std::to_string(pid_) + "/ns/net"; }

 private:
  static bool bring_lo_up() {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq req{};
    std::snprintf(req.ifr_name, sizeof req.ifr_name, "lo");
    bool up = ::ioctl(s, SIOCGIFFLAGS, &req) == 0 &&
              (req.ifr_flags |= IFF_UP, ::ioctl(s, SIOCSIFFLAGS, &req) == 0);
    ::close(s);
    return up;
  }
  pid_t pid_ = -1;
  int hold_ = -1;
  int fd_ = -1;
};

// Runs `fn` on a thread that entered `netns` (setns affects the calling thread only).
template <class Fn>
auto inside(int netns, Fn fn) {
  decltype(fn()) result{};
  std::thread t([&] {
    if (::setns(netns, CLONE_NEWNET) == 0) result = fn();
  });
  t.join();
  return result;
}

ino_t netns_inode(const char* path) {
  struct stat st {};
  ::stat(path, &st);
  return st.st_ino;
}

std::string run(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    std::array<char, 256> buf;
    while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
    ::pclose(p);
  }
  return out;
}

}  // namespace

TEST_CASE("a container's resolver listens at 127.0.0.11:53 inside its network namespace") {
  if (::geteuid() != 0) ASUP_SKIP("creating a network namespace needs root");
  HeldNetns netns;
  REQUIRE(netns.valid());
  testing::LoopThread loop;
  ino_t home_inode = loop.call([] { return netns_inode("/proc/thread-self/ns/net"); });

  ServerConfig config;
  config.lookup = [](std::string_view name) {
    return name == "db" ? std::vector<std::uint32_t>{0x0a580002} : std::vector<std::uint32_t>{};
  };
  auto server = loop.call([&] {
    auto home = open_thread_netns().value();
    return start_in_netns(loop.io(), netns.fd(), home.get(), std::move(config)).value();
  });
  // The loop thread came back to its own namespace.
  CHECK(loop.call([] { return netns_inode("/proc/thread-self/ns/net"); }) == home_inode);

  auto udp = inside(netns.fd(), [] {
    return testing::ask_udp(kResolverPort, make_query(1, "db", rr::kA), std::chrono::seconds(5),
                            kResolverAddress);
  });
  REQUIRE(udp);
  CHECK(parse_reply(*udp).addresses == std::vector<std::uint32_t>{0x0a580002});

  auto tcp = inside(netns.fd(), [] {
    testing::TcpClient client(kResolverPort, kResolverAddress);
    client.send(make_query(2, "db", rr::kA));
    return client.receive();
  });
  REQUIRE(tcp);
  CHECK(parse_reply(*tcp).addresses == std::vector<std::uint32_t>{0x0a580002});

  // The namespace has no upstream: an unknown name is NXDOMAIN.
  auto unknown = inside(netns.fd(), [] {
    return testing::ask_udp(kResolverPort, make_query(3, "nobody", rr::kA), std::chrono::seconds(5),
                            kResolverAddress);
  });
  REQUIRE(unknown);
  CHECK(parse_reply(*unknown).rcode == 3);

  if (::access("/usr/bin/busybox", X_OK) == 0 && ::access("/usr/bin/nsenter", X_OK) == 0) {
    auto out = run("nsenter --net=" + netns.path() + " busybox nslookup db 127.0.0.11 2>&1");
    INFO(out);
    CHECK(out.find("10.88.0.2") != std::string::npos);
  } else {
    WARN("busybox or nsenter missing: nslookup not tried");
  }

  loop.call([&] {
    server.reset();
    return 0;
  });
}

TEST_CASE("binding in a namespace that cannot be entered fails with the reason") {
  auto home = open_thread_netns().value();
  auto result = bind_resolver_sockets_in(home.get() + 1000, home.get());
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("enter the container's network namespace") !=
        std::string::npos);
}

}  // namespace asup::dns
