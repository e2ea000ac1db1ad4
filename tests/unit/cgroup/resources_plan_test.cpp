// Plans for Docker's resource flags: the exact files and values on each version.
#include <catch2/catch.hpp>

#include "cgroup/blkio.hpp"
#include "cgroup/cpu.hpp"
#include "cgroup/cpuset.hpp"
#include "cgroup/memory.hpp"
#include "cgroup/plan.hpp"

using namespace asup::cgroup;

namespace {

std::vector<Setting> plan(Version v, const Limits& l,
                          std::vector<std::string>* warnings = nullptr) {
  auto r = plan_limits(v, l, warnings);
  REQUIRE(r);
  return r.value();
}

Setting inherited(const char* file) {
  return {"cpuset", file, "", false, true};
}

}  // namespace

TEST_CASE("cpuset lists parse into sets: bad items are named", "[cgroup]") {
  CHECK(cpuset::parse_list("0-2,4").value() == std::set<unsigned>{0, 1, 2, 4});
  CHECK(cpuset::parse_list("0-1\n").value() == std::set<unsigned>{0, 1});
  CHECK(cpuset::parse_list("3").value() == std::set<unsigned>{3});
  CHECK(cpuset::parse_list("").value().empty());
  for (const char* bad : {"3-1", "a", "1,", "-1", "1-", "1 2", "0-99999999"}) {
    auto r = cpuset::parse_list(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EINVAL);
  }
  CHECK(cpuset::parse_list("0,x").error().message == "invalid list item \"x\"");
}

TEST_CASE("plan v1: cpuset writes both files, the one not given from the parent", "[cgroup]") {
  Limits l;
  l.cpuset_cpus = "0-1";
  CHECK(plan(Version::V1, l) ==
        std::vector<Setting>{{"cpuset", "cpuset.cpus", "0-1"}, inherited("cpuset.mems")});
  l.cpuset_cpus.reset();
  l.cpuset_mems = "0";
  CHECK(plan(Version::V1, l) ==
        std::vector<Setting>{inherited("cpuset.cpus"), {"cpuset", "cpuset.mems", "0"}});
  // A live group has both already: an update writes what is given.
  CHECK(plan_update(Version::V1, l, std::nullopt).value() ==
        std::vector<Setting>{{"cpuset", "cpuset.mems", "0"}});
}

TEST_CASE("plan v2: cpuset writes only what is given", "[cgroup]") {
  Limits l;
  l.cpuset_cpus = "1";
  CHECK(plan(Version::V2, l) == std::vector<Setting>{{"cpuset", "cpuset.cpus", "1"}});
}

TEST_CASE("plan: cpu shares, period and quota in each version's files", "[cgroup]") {
  Limits l;
  l.cpu_shares = 512;
  l.cpu_period = 50000;
  l.cpu_quota = 25000;
  CHECK(plan(Version::V1, l) == std::vector<Setting>{{"cpu", "cpu.shares", "512"},
                                                     {"cpu", "cpu.cfs_period_us", "50000"},
                                                     {"cpu", "cpu.cfs_quota_us", "25000"}});
  CHECK(plan(Version::V2, l) ==
        std::vector<Setting>{{"cpu", "cpu.weight", "20"}, {"cpu", "cpu.max", "25000 50000"}});

  Limits quota_only;
  quota_only.cpu_quota = 30000;  // the period stays as the group has it
  CHECK(plan(Version::V1, quota_only) ==
        std::vector<Setting>{{"cpu", "cpu.cfs_quota_us", "30000"}});
  CHECK(plan(Version::V2, quota_only) == std::vector<Setting>{{"cpu", "cpu.max", "30000"}});
  Limits unlimited;
  unlimited.cpu_quota = -1;
  unlimited.cpu_period = 200000;
  CHECK(plan(Version::V1, unlimited)[1] == Setting{"cpu", "cpu.cfs_quota_us", "-1"});
  CHECK(plan(Version::V2, unlimited) == std::vector<Setting>{{"cpu", "cpu.max", "max 200000"}});
  Limits zero_shares;
  zero_shares.cpu_shares = 0;
  CHECK(plan(Version::V2, zero_shares).empty());
}

TEST_CASE("plan: --cpus takes --cpu-period's period when both are given", "[cgroup]") {
  Limits l;
  l.cpus = 1.5;
  l.cpu_period = 200000;
  CHECK(plan(Version::V1, l) == std::vector<Setting>{{"cpu", "cpu.cfs_period_us", "200000"},
                                                     {"cpu", "cpu.cfs_quota_us", "300000"}});
  CHECK(plan(Version::V2, l) == std::vector<Setting>{{"cpu", "cpu.max", "300000 200000"}});
}

TEST_CASE("cpu.weight from shares as runc and crun map them", "[cgroup]") {
  CHECK(cpu::weight_of_shares(2) == 1);
  CHECK(cpu::weight_of_shares(1024) == 39);
  CHECK(cpu::weight_of_shares(262144) == 10000);
  CHECK(cpu::weight_of_shares(1) == 1);            // clamped as v1 clamps
  CHECK(cpu::weight_of_shares(1000000) == 10000);  // likewise
}

TEST_CASE("plan: memory swap, reservation and the OOM killer", "[cgroup]") {
  Limits l;
  l.memory_bytes = 64 << 20;
  l.memory_swap = 96 << 20;
  l.memory_reservation = 32 << 20;
  l.oom_kill_disable = true;
  CHECK(plan(Version::V1, l) ==
        std::vector<Setting>{{"memory", "memory.limit_in_bytes", "67108864"},
                             {"memory", "memory.memsw.limit_in_bytes", "100663296", true},
                             {"memory", "memory.soft_limit_in_bytes", "33554432"},
                             {"memory", "memory.oom_control", "1"}});
  std::vector<std::string> warnings;
  CHECK(plan(Version::V2, l, &warnings) ==
        std::vector<Setting>{{"memory", "memory.max", "67108864"},
                             {"memory", "memory.swap.max", "33554432", true},
                             {"memory", "memory.low", "33554432"}});
  CHECK(warnings ==
        std::vector<std::string>{"Your kernel does not support OomKillDisable. OomKillDisable "
                                 "discarded."});

  l.memory_swap = -1;  // unlimited swap
  l.memory_reservation.reset();
  l.oom_kill_disable = false;
  CHECK(plan(Version::V1, l)[1] == Setting{"memory", "memory.memsw.limit_in_bytes", "-1", true});
  CHECK(plan(Version::V1, l)[2] == Setting{"memory", "memory.oom_control", "0"});
  warnings.clear();
  CHECK(plan(Version::V2, l, &warnings) ==
        std::vector<Setting>{{"memory", "memory.max", "67108864"},
                             {"memory", "memory.swap.max", "max", true}});
  CHECK(warnings.empty());
}

TEST_CASE("plan: --memory-swap below --memory or without it on v2", "[cgroup]") {
  Limits l;
  l.memory_bytes = 64 << 20;
  l.memory_swap = 32 << 20;
  auto below = plan_limits(Version::V2, l);
  REQUIRE_FALSE(below);
  CHECK(below.error().message ==
        "Minimum memoryswap limit should be larger than memory limit, see usage");
  l.memory_bytes.reset();
  auto alone = plan_limits(Version::V2, l);
  REQUIRE_FALSE(alone);
  CHECK_THAT(alone.error().message, Catch::Contains("You should always set the Memory limit"));
  // An update counts from the group's limit now.
  CHECK(plan_update(Version::V2, l, 16 << 20).value() ==
        std::vector<Setting>{{"memory", "memory.swap.max", "16777216", true}});
  // v1's memsw holds memory plus swap: no memory limit needed.
  CHECK(plan_update(Version::V1, l, std::nullopt).value() ==
        std::vector<Setting>{{"memory", "memory.memsw.limit_in_bytes", "33554432", true}});
}

TEST_CASE("plan_update v1: memsw first when it grows past the current limit", "[cgroup]") {
  Limits l;
  l.memory_bytes = 64 << 20;
  l.memory_swap = 256 << 20;
  auto files = [&](std::optional<std::int64_t> now) {
    auto planned = plan_update(Version::V1, l, now);
    REQUIRE(planned);
    std::vector<std::string> out;
    for (const auto& s : planned.value()) out.push_back(s.file);
    return out;
  };
  const std::vector<std::string> memsw_first = {"memory.memsw.limit_in_bytes",
                                                "memory.limit_in_bytes"};
  CHECK(files(128 << 20) == memsw_first);  // 256M memsw above the 128M limit now
  l.memory_swap = 100 << 20;
  CHECK(files(128 << 20) ==
        std::vector<std::string>{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"});
}

TEST_CASE("plan: blkio weight in every scheduler's file, optional", "[cgroup]") {
  Limits l;
  l.blkio_weight = 500;
  CHECK(plan(Version::V1, l) == std::vector<Setting>{{"blkio", "blkio.weight", "500", true},
                                                     {"blkio", "blkio.bfq.weight", "500", true}});
  CHECK(plan(Version::V2, l) == std::vector<Setting>{{"io", "io.weight", "default 4950", true},
                                                     {"io", "io.bfq.weight", "500", true}});
  CHECK(blkio::io_weight_of(10) == 1);
  CHECK(blkio::io_weight_of(1000) == 10000);
  CHECK(required_controllers_of(plan(Version::V2, l)).empty());
  CHECK(controllers_of(plan(Version::V2, l)) == std::vector<std::string>{"io"});
}

TEST_CASE("Limits::empty sees every field", "[cgroup]") {
  CHECK(Limits{}.empty());
  Limits l;
  l.blkio_weight = 10;
  CHECK_FALSE(l.empty());
  Limits o;
  o.oom_kill_disable = false;
  CHECK_FALSE(o.empty());
  Limits c;
  c.cpuset_mems = "0";
  CHECK_FALSE(c.empty());
}
