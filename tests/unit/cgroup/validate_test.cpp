// Docker's checks of resource flags: its refusals word for word, and what a host that
// cannot apply a limit drops with a warning.
#include <catch2/catch.hpp>

#include "cgroup/validate.hpp"

using namespace asup::cgroup;

namespace {

// This machine's shape: two CPUs, one memory node, v1 with every feature.
HostResources two_cpus() {
  HostResources host;
  host.cpus = "0-1";
  host.mems = "0";
  return host;
}

std::string refusal(const Limits& l, Purpose purpose = Purpose::Create,
                    const HostResources& host = two_cpus()) {
  auto r = check_limits(l, host, purpose);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == EINVAL);
  return r.error().message;
}

CheckedLimits accepted(const Limits& l, const HostResources& host = two_cpus(),
                       Purpose purpose = Purpose::Create) {
  auto r = check_limits(l, host, purpose);
  REQUIRE(r);
  return r.value();
}

}  // namespace

TEST_CASE("check_limits: memory, swap and reservation as Docker refuses them", "[cgroup]") {
  Limits l;
  l.memory_bytes = 4 << 20;
  CHECK(refusal(l) == "Minimum memory limit allowed is 6MB");
  l.memory_bytes = 64 << 20;
  l.memory_swap = 32 << 20;
  CHECK(refusal(l) == "Minimum memoryswap limit should be larger than memory limit, see usage");
  l.memory_bytes.reset();
  CHECK(refusal(l) ==
        "You should always set the Memory limit when using Memoryswap limit, see usage");
  CHECK(accepted(l, two_cpus(), Purpose::Update).limits.memory_swap == 32 << 20);
  Limits r;
  r.memory_reservation = 1 << 20;
  CHECK(refusal(r) == "Minimum memory reservation allowed is 6MB");
  r.memory_reservation = 128 << 20;
  r.memory_bytes = 64 << 20;
  CHECK(refusal(r) ==
        "Minimum memory limit can not be less than memory reservation limit, see usage");
  Limits fine;
  fine.memory_bytes = 6 << 20;
  fine.memory_swap = -1;
  fine.memory_reservation = 6 << 20;
  auto ok = accepted(fine);
  CHECK(ok.warnings.empty());
  CHECK(ok.limits.memory_swap == -1);
}

TEST_CASE("check_limits: cpu flags as Docker refuses them", "[cgroup]") {
  Limits both;
  both.cpus = 1;
  both.cpu_period = 50000;
  CHECK(refusal(both) == "Conflicting options: Nano CPUs and CPU Period cannot both be set");
  both.cpu_period.reset();
  both.cpu_quota = 50000;
  CHECK(refusal(both) == "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  Limits many;
  many.cpus = 3;
  CHECK(refusal(many) == "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available");
  many.cpus = 2;
  CHECK(accepted(many).warnings.empty());
  Limits period;
  for (std::int64_t bad : {999, 1000001}) {
    period.cpu_period = bad;
    CHECK(refusal(period) ==
          "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  }
  period.cpu_period = 1000;
  CHECK(accepted(period).warnings.empty());
  Limits quota;
  quota.cpu_quota = 999;
  CHECK(refusal(quota) == "CPU cfs quota can not be less than 1ms (i.e. 1000)");
  quota.cpu_quota = -1;  // unlimited
  CHECK(accepted(quota).warnings.empty());
  Limits shares;
  shares.cpu_shares = -2;
  CHECK(refusal(shares) == "shares: invalid argument");
  shares.cpu_shares = 1;  // the kernel raises it to its minimum, as Docker lets it
  CHECK(accepted(shares).limits.cpu_shares == 1);
}

TEST_CASE("check_limits: cpusets within the CPUs and nodes online", "[cgroup]") {
  Limits l;
  l.cpuset_cpus = "5";
  CHECK(refusal(l) == "Requested CPUs are not available - requested 5, available: 0-1");
  l.cpuset_cpus = "0-1";
  l.cpuset_mems = "1";
  CHECK(refusal(l) == "Requested memory nodes are not available - requested 1, available: 0");
  l.cpuset_mems = "0";
  CHECK(accepted(l).warnings.empty());
  l.cpuset_cpus = "1-0";
  CHECK(refusal(l) == "Invalid value 1-0 for cpuset cpus: invalid list item \"1-0\"");
}

TEST_CASE("check_limits: blkio weight range", "[cgroup]") {
  Limits l;
  for (std::uint16_t bad : {9, 1001}) {
    l.blkio_weight = bad;
    CHECK(refusal(l) == "Range of blkio weight is from 10 to 1000");
  }
  l.blkio_weight = 10;
  CHECK(accepted(l).limits.blkio_weight == 10);
}

TEST_CASE("check_limits: what the host cannot apply is dropped with Docker's warning", "[cgroup]") {
  HostResources poor = two_cpus();
  poor.swap_limit = false;
  poor.cpuset = false;
  poor.blkio_weight = false;
  poor.oom_kill_disable = false;
  Limits l;
  l.memory_bytes = 64 << 20;
  l.memory_swap = 128 << 20;
  l.cpuset_cpus = "0";
  l.blkio_weight = 500;
  l.oom_kill_disable = true;
  auto checked = accepted(l, poor);
  CHECK(checked.limits.memory_swap == -1);
  CHECK_FALSE(checked.limits.cpuset_cpus);
  CHECK(checked.limits.blkio_weight == 0);
  CHECK_FALSE(checked.limits.oom_kill_disable);
  CHECK(checked.warnings ==
        std::vector<std::string>{
            "Your kernel does not support swap limit capabilities or the cgroup is not mounted. "
            "Memory limited without swap.",
            "Your kernel does not support OomKillDisable. OomKillDisable discarded.",
            "Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.",
            "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight "
            "discarded."});

  Limits no_memory;
  no_memory.oom_kill_disable = true;
  CHECK(accepted(no_memory).warnings ==
        std::vector<std::string>{"OOM killer is disabled for the container, but no memory limit "
                                 "is set, this can result in the system running out of "
                                 "resources."});
}

TEST_CASE("host_resources: this host's CPUs and v1 features", "[cgroup]") {
  auto host = host_resources(Version::V1, "/sys/fs/cgroup");
  CHECK(host.version == Version::V1);
  CHECK_FALSE(host.cpus.empty());
  CHECK(host.cpus.back() != '\n');
  CHECK_FALSE(host_resources(Version::V2, "/nonexistent").oom_kill_disable);
}
