// top and diff through real containers: the container's processes and no other, ps's
// options passed through, the filesystem changes; Docker's refusals.
#include <algorithm>
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

TEST_CASE("top shows the container's processes as ps shows them", "[top][integration]") {
  Daemon d;
  auto id = d.run_detached({"busybox", "sh", "-c", "sleep 4711 & exec sleep 4712"});
  auto other = d.run_detached({"busybox", "sleep", "4713"});
  Result r;
  // The background sleep may not have started when run -d returns: wait for it.
  REQUIRE(eventually(
      [&] {
        r = d.run({"top", id});
        return contains(r.out, "sleep 4711") && contains(r.out, "sleep 4712");
      },
      10));
  INFO(r);
  auto rows = lines(r.out);
  REQUIRE(rows.size() == 4);  // the titles, asup-init, two sleeps
  CHECK(rows[0].rfind("UID", 0) == 0);
  CHECK_THAT(rows[0], Contains("PID") && Contains("PPID") && Contains("CMD"));
  CHECK_FALSE(contains(r.out, "sleep 4713"));
  // Docker's layout: columns padded to 20.
  CHECK(rows[0].find("PID") == 20);

  r = d.run({"top", id, "-o", "pid,args"});
  INFO(r);
  rows = lines(r.out);
  REQUIRE(!rows.empty());
  CHECK(trim(rows[0]) == std::string("PID") + std::string(17, ' ') + "COMMAND");
  CHECK(contains(r.out, "sleep 4711\n"));

  r = d.try_run({"top", id, "-o", "user=PID"});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("specifying \"user=PID\" is not allowed"));
  r = d.try_run({"top", id, "--no-such-ps-option"});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("Error running ps: exit status"));

  REQUIRE(d.run({"stop", "-t", "1", other}).code == 0);
  r = d.try_run({"top", other});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("container " + other + " is not running"));
  r = d.try_run({"top", "nosuch"});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("No such container: nosuch"));
}

TEST_CASE("diff lists what the container added, changed and deleted", "[diff][integration]") {
  Daemon d;
  auto id = d.run_detached({"busybox", "sh", "-c",
                            "echo x > /etc/newfile; echo more >> /etc/passwd; rm /bin/ls; "
                            "mkdir -p /data/sub; echo ready; exec sleep 1000"});
  REQUIRE(d.wait_logs(id, "ready"));
  auto r = d.run({"diff", id});
  INFO(r);
  REQUIRE(r.code == 0);
  for (auto line : {"C /bin", "D /bin/ls", "C /etc", "A /etc/newfile", "C /etc/passwd", "A /data",
                    "A /data/sub"})
    CHECK(contains(r.out, std::string(line) + "\n"));
  // Sorted by path, as Docker lists them.
  auto rows = lines(r.out);
  CHECK(std::is_sorted(rows.begin(), rows.end(), [](const std::string& a, const std::string& b) {
    return a.substr(2) < b.substr(2);
  }));
  // A stopped container keeps its changes.
  REQUIRE(d.run({"stop", "-t", "1", id}).code == 0);
  CHECK(d.run({"diff", id}).out == r.out);
  // A fresh container changed nothing.
  auto fresh = trim(d.run({"create", "busybox", "true"}).out);
  CHECK(d.run({"diff", fresh}).out.empty());
  auto bad = d.try_run({"diff", "nosuch"});
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Contains("No such container: nosuch"));
}
