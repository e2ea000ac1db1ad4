// asup-init keeps the container's output while no asupd reads it, as root: a FakeDaemon
// stands in for asupd, and the test plays the restarted asupd's part of the handover.
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include "container_fixture.hpp"
#include "core/fs.hpp"
#include "core/syscalls.hpp"
#include "launch/output_spool.hpp"

using namespace asup;
using namespace asup::launch;
using namespace asup::launch::testing;

namespace {

std::string numbers(int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += std::to_string(i) + "\n";
  return out;
}

spool::Contents spool_of(const TempRoot& root) {
  auto r = spool::read(root.path("state"));
  REQUIRE(r);
  return std::move(r).value();
}

std::string stream_of(const spool::Contents& c, std::uint8_t stream) {
  std::string out;
  for (const auto& r : c.records)
    if (r.stream == stream) out += r.bytes;
  return out;
}

bool eventually(const std::function<bool()>& pred, double seconds = 20) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// The restarted asupd's side: "adopt TOKEN" with its pidfd over the socket init holds for
// it; returns the answer ("" when none came).
std::string adopt(const Container& c, int daemon_pidfd, const std::string& token) {
  auto control = sys::pidfd_getfd(c.pidfd(), fds::kControlPeer);
  REQUIRE(control);
  std::string text = "adopt " + token;
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int))];
  } space;
  std::memset(&space, 0, sizeof space);
  struct iovec iov = {text.data(), text.size()};
  struct msghdr msg;
  std::memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = space.bytes;
  msg.msg_controllen = sizeof space.bytes;
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &daemon_pidfd, sizeof daemon_pidfd);
  REQUIRE(::sendmsg(control.value().get(), &msg, MSG_NOSIGNAL) ==
          static_cast<ssize_t>(text.size()));
  struct pollfd p = {control.value().get(), POLLIN, 0};
  if (::poll(&p, 1, 20000) != 1) return "";
  char reply[128];
  ssize_t n = ::recv(control.value().get(), reply, sizeof reply, 0);
  return n > 0 ? std::string(reply, static_cast<std::size_t>(n)) : "";
}

// Each SIGUSR1 (forwarded by init) lets the workload go on to its next phase.
std::string phased(const std::string& phases) {
  return "n=0; trap 'n=$((n+1))' USR1; "
         "next() { while [ $n -lt $1 ]; do sleep 0.02; done; }; " +
         phases;
}

}  // namespace

TEST_CASE("init spools what the workload writes while asupd is away", "[launch][root][keeper]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  FakeDaemon daemon;
  SpawnOptions opts;
  opts.hold_output = true;
  opts.daemon_pidfd = daemon.pidfd();
  auto spec = root.spec({"sh", "-c", phased("echo a; next 1; seq 10000; echo e >&2; exit 3")});
  Container c{&root, spec, opts};
  REQUIRE(c.start() == "started 2");
  c.wait_for_output("a\n");
  daemon.kill();
  c.signal(SIGUSR1);
  // Init is the pipes' reader now: the test reads nothing more from them.
  CHECK(c.wait_exit() == 3);
  CHECK(c.unread() == 0);
  auto spool = spool_of(root);
  CHECK(stream_of(spool, spool::kStdout) == numbers(1, 10000));
  CHECK(stream_of(spool, spool::kStderr) == "e\n");
  CHECK(spool.dropped == 0);
  for (std::size_t i = 1; i < spool.records.size(); ++i)
    CHECK(spool.records[i].time_ns >= spool.records[i - 1].time_ns);
  // The record asupd trusts comes after the output is safe.
  REQUIRE(c.exit_json());
  CHECK(c.exit_json()->find("\"exit_code\":3,") != std::string::npos);
}

TEST_CASE("the spool keeps the newest log-size bytes", "[launch][root][keeper]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  FakeDaemon daemon;
  SpawnOptions opts;
  opts.hold_output = true;
  opts.daemon_pidfd = daemon.pidfd();
  // "ready" once the trap is set: a signal before it would kill sh.
  auto spec = root.spec({"sh", "-c", phased("echo ready; next 1; seq 100000")});
  spec.log_size = 16 << 10;
  Container c{&root, spec, opts};
  REQUIRE(c.start() == "started 2");
  c.wait_for_output("ready\n");
  daemon.kill();
  c.signal(SIGUSR1);
  CHECK(c.wait_exit() == 0);
  auto spool = spool_of(root);
  std::string all = numbers(1, 100000);
  std::string kept = stream_of(spool, spool::kStdout);
  CHECK(kept.size() >= spec.log_size);
  CHECK(kept.size() <= 2 * spec.log_size);
  CHECK(spool.dropped + kept.size() == all.size());
  CHECK(all.substr(all.size() - kept.size()) == kept);
}

TEST_CASE("a restarted asupd takes the output back: every byte once, in order",
          "[launch][root][keeper]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  FakeDaemon first, second;
  SpawnOptions opts;
  opts.hold_output = true;
  opts.daemon_pidfd = first.pidfd();
  auto spec = root.spec({"sh", "-c",
                         phased("seq 1 100; next 1; seq 101 200; next 2; seq 201 300; "
                                "next 3; seq 301 400; echo done >&2; exit 5")});
  Container c{&root, spec, opts};
  REQUIRE(c.start() == "started 2");
  c.wait_for_output("100\n");

  // asupd dies: init reads the pipes into the spool.
  first.kill();
  c.signal(SIGUSR1);
  REQUIRE(
      eventually([&] { return stream_of(spool_of(root), spool::kStdout) == numbers(101, 200); }));

  // A new asupd takes over: init stops reading and answers with the token.
  CHECK(adopt(c, second.pidfd(), "t1") == "ok t1");
  auto spooled = spool_of(root);
  CHECK(stream_of(spooled, spool::kStdout) == numbers(101, 200));
  spool::remove(root.path("state"));
  c.signal(SIGUSR1);
  c.wait_for_output("300\n");
  CHECK(c.out() == numbers(1, 100) + numbers(201, 300));

  // That asupd dies too: init spools again, from an empty spool.
  second.kill();
  c.signal(SIGUSR1);
  CHECK(c.wait_exit() == 5);
  auto last = spool_of(root);
  CHECK(stream_of(last, spool::kStdout) == numbers(301, 400));
  CHECK(stream_of(last, spool::kStderr) == "done\n");
  CHECK(c.out() == numbers(1, 100) + numbers(201, 300));
}

TEST_CASE("init leaves only once a living asupd has read what the workload left",
          "[launch][root][keeper]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  FakeDaemon daemon;
  SpawnOptions opts;
  opts.hold_output = true;
  opts.daemon_pidfd = daemon.pidfd();
  // Less than a pipe holds: the workload is gone before anyone reads.
  Container c{&root, root.spec({"sh", "-c", "seq 3000; exit 4"}), opts};
  REQUIRE(c.start() == "started 2");
  const std::size_t written = numbers(1, 3000).size();
  REQUIRE(eventually([&] {
    auto children = fs::read_file("/proc/" + std::to_string(c.pid()) + "/task/" +
                                  std::to_string(c.pid()) + "/children");
    return c.unread() == written && children && children.value().empty();
  }));
  // The workload was reaped, yet init stays while its output waits for the reader.
  struct pollfd p = {c.pidfd(), POLLIN, 0};
  CHECK(::poll(&p, 1, 300) == 0);
  CHECK(c.wait() == 4);
  CHECK(c.out() == numbers(1, 3000));
  CHECK(spool_of(root).empty());
}

TEST_CASE("a writer outliving the workload does not keep init", "[launch][root][keeper]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  FakeDaemon daemon;
  SpawnOptions opts;
  opts.hold_output = true;
  opts.daemon_pidfd = daemon.pidfd();
  Container c{&root, root.spec({"sh", "-c", "yes & sleep 0.2; exit 6"}), opts};
  REQUIRE(c.start() == "started 2");
  auto started = std::chrono::steady_clock::now();
  CHECK(c.wait() == 6);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK(c.out().rfind("y\ny\n", 0) == 0);
}

TEST_CASE("asupd's death when the workload exits leaves the rest in the spool",
          "[launch][root][keeper]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  FakeDaemon daemon;
  SpawnOptions opts;
  opts.hold_output = true;
  opts.daemon_pidfd = daemon.pidfd();
  Container c{&root, root.spec({"sh", "-c", "seq 3000; exit 7"}), opts};
  REQUIRE(c.start() == "started 2");
  // Init waits for a reader; the reader dies instead.
  REQUIRE(eventually([&] { return c.unread() == numbers(1, 3000).size(); }));
  daemon.kill();
  CHECK(c.wait_exit() == 7);
  CHECK(stream_of(spool_of(root), spool::kStdout) == numbers(1, 3000));
}

TEST_CASE("init holds asupd's pidfd and both control ends: the workload gets none",
          "[launch][root][keeper]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  FakeDaemon daemon;
  SpawnOptions opts;
  opts.hold_output = true;
  opts.daemon_pidfd = daemon.pidfd();
  Container c{&root, root.spec({"sh", "-c", "ls /proc/self/fd; echo --; ls /proc/1/fd"}), opts};
  REQUIRE(c.start() == "started 2");
  CHECK(c.wait() == 0);
  auto split = c.out().find("--\n");
  REQUIRE(split != std::string::npos);
  // ls's own directory fd is 3 in the workload; init's 3 is its signalfd.
  CHECK(lines(c.out().substr(0, split)) == std::vector<std::string>{"0", "1", "2", "3"});
  CHECK(lines(c.out().substr(split + 3)) ==
        std::vector<std::string>{"0", "1", "10", "11", "12", "2", "3", "6", "7", "8"});
}

TEST_CASE("a signal init raises on itself is not forwarded to the workload",
          "[launch][root][keeper]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  Container c{&root, root.spec({"sh", "-c", "sleep 0.5; echo alive; exit 8"})};
  REQUIRE(c.next_report() == "ready");
  // asupd is gone: init's "started" report meets a closed pipe, and the SIGPIPE that
  // raises must not reach the workload.
  c.drop_report();
  c.release_barrier();
  CHECK(c.wait() == 8);
  CHECK(c.out() == "alive\n");
}
