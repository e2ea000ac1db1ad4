// An attached run delivers every byte the container wrote, in order, whatever the pace of
// its reader; `logs -f` followers that stop reading never slow the container down.
#include <signal.h>

#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace asup::it;

namespace {

std::string shell_line(const std::vector<std::string>& argv) {
  std::string line;
  for (auto& a : argv) line += "'" + a + "' ";
  return line;
}

}  // namespace

TEST_CASE("an attached run loses nothing to a reader slower than the container",
          "[integration][attach]") {
  Daemon d;
  // The reader takes nothing for a second while the container writes 50 MiB at once.
  std::string ctl = shell_line(d.ctl_argv(
      {"run", "--rm", "busybox", "sh", "-c", "dd if=/dev/zero bs=1M count=50 2>/dev/null"}));
  auto r = run_tool({"/bin/bash", "-c", "set -o pipefail; " + ctl + "| (sleep 1; wc -c)"}, 180);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(trim(r.out) == "52428800");
  CHECK_FALSE(contains(r.err, "skipped"));

  // The order too, with both streams, and the container's exit code at the end.
  ctl = shell_line(d.ctl_argv({"run", "--rm", "busybox", "sh", "-c",
                               "seq 1 2000000; echo err >&2; seq 2000001 2200000; exit 3"}));
  r = run_tool({"/bin/bash", "-c", "set -o pipefail; " + ctl + "| (sleep 2; cat)"}, 180);
  INFO(r.err);
  CHECK(r.code == 3);
  CHECK(r.out == seq_text(1, 2200000));
  CHECK(r.err == "err\n");
}

TEST_CASE("a logs -f follower that stops reading does not slow the container",
          "[integration][attach]") {
  Daemon d;
  std::string id = d.run_detached({"--log-size", "4m", "busybox", "sh", "-c",
                                   "echo ready; while [ ! -e /tmp/go ]; do sleep 0.05; done; "
                                   "seq 1 4000000; echo done"});
  auto follower = d.spawn({"logs", "-f", id});
  REQUIRE(follower.wait_for([&] { return contains(follower.out(), "ready\n"); }, 30));
  // Frozen: its reply FIFO fills and asupd must skip it, not wait for it. ~30 MB of output
  // is far more than the FIFO and the session's queue hold.
  follower.signal(SIGSTOP);
  d.run({"exec", id, "touch", "/tmp/go"});
  CHECK(d.wait_status(id, "exited", 120));
  CHECK(d.inspect(id)["State"]["ExitCode"] == 0);
  follower.signal(SIGCONT);
  REQUIRE(follower.wait(60));
  auto r = follower.result();
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.err, "bytes skipped (this client fell behind)"));
  CHECK(r.out.rfind("ready\n1\n", 0) == 0);
  CHECK(r.out.size() < seq_text(1, 4000000).size());

  // The log itself kept the newest 4 MiB, ending with the last line.
  auto logs = d.run({"logs", "--tail", "2", id});
  CHECK(logs.out == "4000000\ndone\n");
}
