// Containers are addressed by full id, unique id prefix or name; names are unique.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

TEST_CASE("names are unique and every command takes a name or an id prefix",
          "[integration][names]") {
  Daemon d;
  std::string id = d.run_detached({"--name", "web", "busybox", "sleep", "1000"});

  auto r = d.run({"run", "-d", "--name", "web", "busybox", "true"});
  INFO(r);
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("Conflict"));
  CHECK_THAT(r.err, Contains("web"));
  CHECK(r.out == "");
  r = d.run({"run", "--name", "web", "busybox", "true"});
  CHECK(r.code == 125);
  CHECK(lines(d.run({"ps", "-aq"}).out).size() == 1);  // nothing half-created

  r = d.run({"run", "--rm", "--name", "bad/name", "busybox", "true"});
  INFO(r);
  CHECK(r.code == 125);

  CHECK(d.inspect("web")["Id"] == id);
  CHECK(d.inspect("/web")["Id"] == id);
  CHECK(d.inspect(id.substr(0, 12))["Id"] == id);
  CHECK(d.inspect(id.substr(0, 6))["Id"] == id);
  r = d.run({"exec", "web", "echo", "by-name"});
  CHECK(r.out == "by-name\n");
  r = d.run({"exec", id.substr(0, 8), "echo", "by-prefix"});
  CHECK(r.out == "by-prefix\n");
  r = d.run({"logs", "web"});
  CHECK(r.code == 0);

  r = d.run({"stop", "-t", "1", "web"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(trim(r.out) == "web");
  CHECK(d.status(id) == "exited");
  r = d.run({"wait", id.substr(0, 10)});
  CHECK(r.out == "143\n");

  // The name is free again once the container is removed.
  r = d.run({"rm", "web"});
  CHECK(r.code == 0);
  std::string again = d.run_detached({"--name", "web", "busybox", "true"});
  CHECK(again != id);
  CHECK(d.inspect("web")["Id"] == again);

  // Generated names are unique too.
  std::string a = d.run_detached({"busybox", "true"});
  std::string b = d.run_detached({"busybox", "true"});
  std::string na = d.inspect(a)["Name"], nb = d.inspect(b)["Name"];
  CHECK(na.size() > 1);
  CHECK(na != nb);
  CHECK(d.inspect(na)["Id"] == a);
}
