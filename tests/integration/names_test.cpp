// Containers are addressed by full id, unique id prefix or name; names are unique.
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "network_support.hpp"

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

TEST_CASE("what a user types never reaches a hosts file or a mount unchecked",
          "[integration][names][validation]") {
  Daemon d;
  UserNetwork net(d);
  const std::string app = net.name();
  std::string peer =
      d.run_detached({"--network", app, "--name", "peer", "busybox", "sleep", "1000"});
  auto hosts_of_peer = [&] { return d.run({"exec", "peer", "cat", "/etc/hosts"}).out; };
  const std::string before = hosts_of_peer();

  struct Case {
    std::vector<std::string> flags;
    std::string error;
  };
  const std::vector<Case> cases{
      {{"--network", app, "--network-alias", "x\n6.6.6.6 evil.example"},
       "Invalid network alias name (x\\n6.6.6.6 evil.example)"},
      {{"--network", app, "--name", "web\n6.6.6.6 evil.example"}, "Invalid container name"},
      {{"--network", app, "-h", "box\n6.6.6.6 evil.example"}, "invalid hostname"},
      {{"-h", "under_score"}, "invalid hostname \"under_score\""},
      {{"--name", "../../etc"}, "Invalid container name (../../etc)"},
      {{"--cpus", "nan"}, "failed to parse nan as a rational number"},
      {{"--cpus", "inf"}, "failed to parse inf as a rational number"},
      {{"--cpus", "-inf"}, "failed to parse -inf as a rational number"},
      {{"--cpus", "0x10"}, "failed to parse 0x10 as a rational number"},
      {{"--cpus", "1000"}, "range of CPUs is from 0.01 to"},
      {{"--cpus", "0"}, "range of CPUs is from 0.01 to"},
      {{"--log-size", "100g"}, "--log-size must be at most 256m"},
      {{"--tmpfs", "/proc"}, "invalid mount destination \"/proc\""},
      {{"-v", "/tmp:/proc"}, "invalid mount destination \"/proc\""},
      {{"-v", "/tmp:/sys"}, "invalid mount destination \"/sys\""},
      {{"-v", "/tmp:/dev/pts"}, "invalid mount destination \"/dev/pts\""},
      {{"--tmpfs", "/dev"}, "invalid mount destination \"/dev\""},
  };
  for (auto& c : cases) {
    std::vector<std::string> args{"run", "--rm"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    args.insert(args.end(), {"busybox", "true"});
    auto r = d.try_run(args);
    INFO(r);
    CHECK(r.code == 125);
    CHECK(contains(r.err, c.error));
    CHECK(lines(r.err).size() == 1);  // one line naming the cause
  }
  // Nothing was created, nothing was written into the peer's hosts file.
  CHECK(lines(d.run({"ps", "-aq"}).out).size() == 1);
  CHECK(hosts_of_peer() == before);
  CHECK_FALSE(contains(before, "evil"));

  // network connect takes the same rule for its aliases.
  std::string other = d.run_detached({"--name", "other", "busybox", "sleep", "1000"});
  auto r = d.try_run({"network", "connect", "--alias", "y\n6.6.6.6 evil.example", app, "other"});
  INFO(r);
  CHECK(r.code != 0);
  CHECK(contains(r.err, "Invalid network alias name"));
  CHECK(hosts_of_peer() == before);

  // The procfs the container has is its own, with the masked paths masked.
  r = d.run({"run", "--rm", "busybox", "sh", "-c", "test -r /proc/self/status && echo procfs"});
  CHECK(r.out == "procfs\n");
  d.run({"rm", "-f", peer, other});
}
