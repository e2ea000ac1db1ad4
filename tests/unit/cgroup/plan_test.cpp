#include <catch2/catch.hpp>

#include "cgroup/cpu.hpp"
#include "cgroup/devices.hpp"
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

TEST_CASE("plan_update: the set fields only, memory first, no device rules", "[cgroup]") {
  Limits l = limits(std::nullopt, std::nullopt, 20);
  l.devices = devices::default_rules();
  auto only_pids = plan_update(Version::V1, l, std::nullopt);
  REQUIRE(only_pids);
  CHECK(only_pids.value() == std::vector<Setting>{{"pids", "pids.max", "20"}});

  auto all = plan_update(Version::V2, limits(1 << 30, 2.0, 0), std::nullopt);
  REQUIRE(all);
  CHECK(all.value() == std::vector<Setting>{{"memory", "memory.max", "1073741824"},
                                            {"memory", "memory.swap.max", "0", true},
                                            {"cpu", "cpu.max", "200000 100000"},
                                            {"pids", "pids.max", "max"}});
  CHECK(plan_update(Version::V2, {}, std::nullopt).value().empty());
  CHECK_FALSE(plan_update(Version::V1, limits(std::nullopt, 0.001, std::nullopt), std::nullopt));
}

TEST_CASE("plan_update v1: memsw before the memory limit when the limit goes up", "[cgroup]") {
  const Setting limit64{"memory", "memory.limit_in_bytes", "67108864"};
  const Setting memsw64{"memory", "memory.memsw.limit_in_bytes", "67108864", true};
  auto order = [](std::int64_t bytes, std::optional<std::int64_t> now) {
    auto plan = plan_update(Version::V1, limits(bytes, std::nullopt, std::nullopt), now);
    REQUIRE(plan);
    std::vector<std::string> files;
    for (const auto& s : plan.value()) files.push_back(s.file);
    return files;
  };
  const std::vector<std::string> memsw_first = {"memory.memsw.limit_in_bytes",
                                                "memory.limit_in_bytes"};
  const std::vector<std::string> limit_first = {"memory.limit_in_bytes",
                                                "memory.memsw.limit_in_bytes"};
  CHECK(order(128 << 20, 64 << 20) == memsw_first);  // a raise
  CHECK(order(0, 64 << 20) == memsw_first);          // to unlimited
  // From unlimited (v1 shows it as the largest page-aligned value) down: a cut.
  CHECK(order(64 << 20, 9223372036854771712LL) == limit_first);
  CHECK(order(32 << 20, 64 << 20) == limit_first);
  CHECK(order(64 << 20, 64 << 20) == limit_first);
  CHECK(order(64 << 20, std::nullopt) == limit_first);  // unknown: as for a new group
  CHECK(plan_update(Version::V1, limits(64 << 20, std::nullopt, std::nullopt), 1 << 20).value() ==
        std::vector<Setting>{memsw64, limit64});
}

TEST_CASE("memory: which settings cap usage", "[cgroup]") {
  CHECK(memory::caps_usage({"memory", "memory.limit_in_bytes", "1"}));
  CHECK(memory::caps_usage({"memory", "memory.memsw.limit_in_bytes", "1", true}));
  CHECK(memory::caps_usage({"memory", "memory.max", "1"}));
  CHECK_FALSE(memory::caps_usage({"memory", "memory.swap.max", "0", true}));
  CHECK_FALSE(memory::caps_usage({"pids", "pids.max", "1"}));
}
