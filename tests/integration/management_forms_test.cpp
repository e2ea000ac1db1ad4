// Docker's management forms: `container COMMAND` and `image COMMAND` do what the top-level
// commands do, under their group names and aliases.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

TEST_CASE("container commands under the container group", "[cliforms][integration]") {
  Daemon d;
  auto r = d.run({"container", "run", "--name", "c1", "busybox", "echo", "hello"});
  INFO(r);
  REQUIRE(r.code == 0);
  CHECK(r.out == "hello\n");
  for (auto ls : {"ls", "list", "ps"}) {
    r = d.run({"container", ls, "-a", "-q"});
    INFO(r);
    CHECK(lines(r.out).size() == 1);
  }
  auto id = trim(d.run({"container", "create", "busybox", "sleep", "100"}).out);
  REQUIRE(d.run({"container", "start", id}).code == 0);
  CHECK(d.run({"container", "inspect", id}).out.find("\"Running\": true") != std::string::npos);
  // start returns once the workload is forked; its exec may take a moment more.
  CHECK(eventually([&] { return contains(d.run({"container", "top", id}).out, "sleep 100"); }, 10));
  REQUIRE(d.run({"container", "stop", "-t", "1", id}).code == 0);
  CHECK(d.run({"container", "logs", "c1"}).out == "hello\n");
  REQUIRE(d.run({"container", "rm", "c1"}).code == 0);
  REQUIRE(d.run({"container", "remove", id}).code == 0);
  CHECK(d.container_count() == 0);
  r = d.try_run({"container", "frobnicate"});
  CHECK(r.code != 0);
}

TEST_CASE("image commands under the image group", "[cliforms][integration]") {
  Daemon d;
  CHECK(contains(d.run({"image", "ls"}).out, "busybox"));
  REQUIRE(d.run({"image", "tag", "busybox", "mybox:1"}).code == 0);
  CHECK(contains(d.run({"image", "list"}).out, "mybox"));
  REQUIRE(d.run({"image", "rm", "mybox:1"}).code == 0);
  CHECK_FALSE(contains(d.run({"image", "ls"}).out, "mybox"));
}

TEST_CASE("rmi of one tag among others untags it, even while a container uses the image",
          "[cliforms][integration]") {
  Daemon d;
  auto id = d.run_detached({"busybox", "sleep", "100"});
  REQUIRE(d.run({"tag", "busybox", "mybox:1"}).code == 0);
  auto r = d.run({"rmi", "mybox:1"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "Untagged: mybox:1\n");
  // The last tag would take the image from its container.
  r = d.try_run({"rmi", "busybox"});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("conflict: unable to remove repository reference \"busybox\" "
                             "(must force) - container " +
                             id.substr(0, 12)));
  CHECK(d.inspect(id)["State"]["Running"] == true);
}
