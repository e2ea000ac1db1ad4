#include "engine/resource_checks.hpp"

#include <catch2/catch.hpp>

using namespace asup;
using namespace asup::engine;

namespace {

cgroup::HostResources host_without_blkio() {
  cgroup::HostResources host;
  host.cpus = "0-1";
  host.blkio_weight = false;
  return host;
}

}  // namespace

TEST_CASE("what the host cannot apply leaves the run request with a warning", "[resource_checks]") {
  api::RunRequest r;
  r.image = "busybox";
  r.blkio_weight = 300;
  r.cpu_shares = 512;
  auto warnings = fit_run_limits(r, host_without_blkio());
  REQUIRE(warnings);
  REQUIRE(warnings.value().size() == 1);
  CHECK(warnings.value()[0] ==
        "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight "
        "discarded.");
  CHECK_FALSE(r.blkio_weight);
  CHECK(r.cpu_shares == 512);  // the rest as asked

  api::RunRequest cpus;
  cpus.cpuset_cpus = "5";
  auto refused = fit_run_limits(cpus, host_without_blkio());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message ==
        "Requested CPUs are not available - requested 5, available: 0-1");
}

TEST_CASE("an update is checked as an update, and merged into what is kept", "[resource_checks]") {
  api::UpdateRequest u;
  u.memory_swap = 128 << 20;  // without --memory: allowed on update
  u.cpu_quota = 30000;
  auto checked = update_limits(u, host_without_blkio());
  REQUIRE(checked);
  CHECK(checked.value().warnings.empty());

  cgroup::Limits kept;
  kept.cpu_period = 50000;
  kept.cpu_quota = 20000;
  keep_updated_limits(checked.value().limits, kept);
  CHECK(kept.cpu_period == 50000);
  CHECK(kept.cpu_quota == 30000);
  CHECK(kept.memory_swap == 128 << 20);

  api::UpdateRequest bad;
  bad.cpu_period = 10;
  auto refused = update_limits(bad, host_without_blkio());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message ==
        "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
}
