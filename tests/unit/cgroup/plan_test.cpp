#include <catch2/catch.hpp>

#include "cgroup/cpu.hpp"
#include "cgroup/memory.hpp"
#include "cgroup/pids.hpp"
#include "cgroup/plan.hpp"
#include "test_support.hpp"

using namespace asup::cgroup;
using asup::cgroup::test::limits;

namespace {

std::vector<Setting> plan(Version v, const Limits& l) {
  auto r = plan_limits(v, l);
  REQUIRE(r);
  return r.value();
}

}  // namespace

TEST_CASE("plan v2: memory.max, memory.swap.max, cpu.max as QUOTA PERIOD, pids.max", "[cgroup]") {
  Limits l = limits(536870912, 1.5, 100);
  std::vector<Setting> expected = {
      {"memory", "memory.max", "536870912"},
      {"memory", "memory.swap.max", "0", true},
      {"cpu", "cpu.max", "150000 100000"},
      {"pids", "pids.max", "100"},
  };
  CHECK(plan(Version::V2, l) == expected);
  CHECK(controllers_of(expected) == std::vector<std::string>{"memory", "cpu", "pids"});
}

TEST_CASE("plan v1: limit_in_bytes (+memsw), cfs period then quota, pids.max", "[cgroup]") {
  Limits l = limits(67108864, 0.5, 50);
  std::vector<Setting> expected = {
      {"memory", "memory.limit_in_bytes", "67108864"},
      {"memory", "memory.memsw.limit_in_bytes", "67108864", true},
      {"cpu", "cpu.cfs_period_us", "100000"},
      {"cpu", "cpu.cfs_quota_us", "50000"},
      {"pids", "pids.max", "50"},
  };
  CHECK(plan(Version::V1, l) == expected);
}

TEST_CASE("plan: unlimited spellings", "[cgroup]") {
  CHECK(plan(Version::V2, limits(std::nullopt, std::nullopt, 0)) ==
        std::vector<Setting>{{"pids", "pids.max", "max"}});
  CHECK(plan(Version::V1, limits(std::nullopt, std::nullopt, -1)) ==
        std::vector<Setting>{{"pids", "pids.max", "max"}});
  CHECK(plan(Version::V2, limits(std::nullopt, 0.0, std::nullopt)) ==
        std::vector<Setting>{{"cpu", "cpu.max", "max 100000"}});
  CHECK(plan(Version::V1, limits(std::nullopt, 0.0, std::nullopt))[1] ==
        Setting{"cpu", "cpu.cfs_quota_us", "-1"});
  CHECK(plan(Version::V2, limits(0, std::nullopt, std::nullopt))[0] ==
        Setting{"memory", "memory.max", "max"});
  CHECK(plan(Version::V1, limits(0, std::nullopt, std::nullopt))[0] ==
        Setting{"memory", "memory.limit_in_bytes", "-1"});
  CHECK(plan(Version::V2, {}).empty());
}

TEST_CASE("plan: cpu quotas round to microseconds and respect the kernel minimum", "[cgroup]") {
  CHECK(cpu::quota_us(2).value() == 200000);
  CHECK(cpu::quota_us(0.01).value() == 1000);
  CHECK(cpu::quota_us(1.333333).value() == 133333);
  CHECK(plan(Version::V2, limits(std::nullopt, 0.25, std::nullopt))[0].value == "25000 100000");
  auto tiny = plan_limits(Version::V2, limits(std::nullopt, 0.001, std::nullopt));
  REQUIRE_FALSE(tiny);
  CHECK_THAT(tiny.error().describe(), Catch::Contains("cpus 0.001 is below the minimum"));
  CHECK_FALSE(plan_limits(
      Version::V1, limits(std::nullopt, std::numeric_limits<double>::quiet_NaN(), std::nullopt)));
  CHECK_FALSE(plan_limits(
      Version::V1, limits(std::nullopt, std::numeric_limits<double>::infinity(), std::nullopt)));
}

TEST_CASE("memory: oom_kill counters of v1 memory.oom_control and v2 memory.events", "[cgroup]") {
  CHECK_FALSE(memory::oom_kill_reported("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"));
  CHECK(memory::oom_kill_reported("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"));
  CHECK_FALSE(memory::oom_kill_reported("low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\n"));
  CHECK(memory::oom_kill_reported("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n"));
  CHECK_FALSE(memory::oom_kill_reported(""));
}

TEST_CASE("check_group_id refuses names that are not one directory", "[cgroup]") {
  CHECK(check_group_id("abc123"));
  for (const char* bad : {"", ".", "..", "a/b", "/abs"}) CHECK_FALSE(check_group_id(bad));
}
