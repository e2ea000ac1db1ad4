// asup-init applying the spec's security fields in real containers: the capability mask,
// rlimits, extra groups, sysctls and the read-only root.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include "container_fixture.hpp"

using namespace asup::launch;
using namespace asup::launch::testing;

namespace {

std::string status_field(const std::string& status, const std::string& name) {
  for (const auto& l : lines(status)) {
    if (l.rfind(name + ":", 0) == 0) {
      auto v = l.substr(name.size() + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  }
  return {};
}

}  // namespace

TEST_CASE("init gives the workload the spec's capability mask", "[launch][root][security]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  LaunchSpec spec = root.spec({"cat", "/proc/self/status"});
  spec.capabilities = (1ULL << 0) | (1ULL << 12);  // CHOWN, NET_ADMIN
  auto r = run(root, spec);
  INFO(r.err << r.started);
  CHECK(status_field(r.out, "CapBnd") == "0000000000001001");
  CHECK(status_field(r.out, "CapEff") == "0000000000001001");
  CHECK(status_field(r.out, "CapInh") == "0000000000000000");

  spec.capabilities = 0;
  auto none = run(root, spec);
  CHECK(status_field(none.out, "CapBnd") == "0000000000000000");
  CHECK(status_field(none.out, "CapEff") == "0000000000000000");
}

TEST_CASE("init sets rlimits and extra groups", "[launch][root][security]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  LaunchSpec spec = root.spec({"sh", "-c", "ulimit -n; ulimit -Hn; id -G"});
  spec.rlimits = {{RLIMIT_NOFILE, 100, 200}};
  spec.extra_groups = {"staff", "4321"};
  auto r = run(root, spec);
  INFO(r.err << r.started);
  CHECK(r.exit_code == 0);
  auto out = lines(r.out);
  REQUIRE(out.size() == 3);
  CHECK(out[0] == "100");
  CHECK(out[1] == "200");
  CHECK(out[2].find(" 50") != std::string::npos);
  CHECK(out[2].find(" 4321") != std::string::npos);

  spec.extra_groups = {"nosuchgroup"};
  auto bad = run(root, spec);
  CHECK(bad.started.find("Unable to find group nosuchgroup") != std::string::npos);
}

TEST_CASE("init writes sysctls in the container's namespaces and makes / read-only",
          "[launch][root][security]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  // A new network namespace's value, whatever the host's is; the sysctl flips it.
  auto first = run(root, root.spec({"cat", "/proc/sys/net/ipv4/ip_forward"}));
  REQUIRE_FALSE(lines(first.out).empty());
  const std::string fresh = lines(first.out)[0];
  LaunchSpec spec =
      root.spec({"sh", "-c", "cat /proc/sys/net/ipv4/ip_forward; touch /x; echo touch=$?"});
  spec.sysctls = {fresh == "1" ? "net.ipv4.ip_forward=0" : "net.ipv4.ip_forward=1"};
  spec.read_only_root = true;
  auto r = run(root, spec);
  INFO(r.err << r.started);
  auto out = lines(r.out);
  REQUIRE(out.size() == 2);
  CHECK(out[0] == (fresh == "1" ? "0" : "1"));
  CHECK(out[1] == "touch=1");
  CHECK(r.err.find("Read-only file system") != std::string::npos);
}
