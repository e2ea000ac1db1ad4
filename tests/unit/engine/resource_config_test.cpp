// The resource flags past the first ones through the engine: what fit_run_limits refuses,
// drops and keeps, the limits a request becomes, config.json and back, and inspect.
#include "engine/resource_config.hpp"

#include <catch2/catch.hpp>

#include "engine/resource_checks.hpp"
#include "engine/run_config.hpp"

using namespace asup;
using namespace asup::engine;

namespace {

std::string refusal(api::RunRequest r, const cgroup::HostResources& host = {}) {
  auto result = fit_run_limits(r, host);
  REQUIRE_FALSE(result);
  return result.error().message;
}

}  // namespace

TEST_CASE("fit_run_limits: Windows' flags as Docker's Linux daemon answers them",
          "[resource_config]") {
  api::RunRequest r;
  r.cpu_count = 2;
  r.cpu_percent = 50;
  auto warnings = fit_run_limits(r, {});
  REQUIRE(warnings);
  CHECK(warnings.value() ==
        std::vector<std::string>{"linux does not support CPU percent. Percent discarded."});
  CHECK_FALSE(r.cpu_count);
  CHECK_FALSE(r.cpu_percent);

  api::RunRequest bandwidth;
  bandwidth.io_maxbandwidth = 1 << 20;
  CHECK(refusal(bandwidth) ==
        "Invalid QoS settings: linux does not support configuration of maximum bandwidth");
  api::RunRequest iops;
  iops.io_maxiops = 10;
  CHECK(refusal(iops) ==
        "Invalid QoS settings: linux does not support configuration of maximum IOPs");
}

TEST_CASE("fit_run_limits: bad devices, rules and values in Docker's words", "[resource_config]") {
  api::RunRequest rule;
  rule.device_cgroup_rules = {"c 1:3 mr", "z 1:3 r"};
  CHECK(refusal(rule) ==
        "invalid argument \"z 1:3 r\" for \"--device-cgroup-rule\" flag: invalid device cgroup "
        "format 'z 1:3 r'");
  api::RunRequest bps;
  bps.device_read_bps = {"/dev/nope"};
  CHECK(refusal(bps) ==
        "invalid argument \"/dev/nope\" for \"--device-read-bps\" flag: bad format: /dev/nope");
  api::RunRequest missing;
  missing.device_write_iops = {"/dev/asup-missing:10"};
  CHECK(refusal(missing) == "stat /dev/asup-missing: no such file or directory");
  api::RunRequest swappiness;
  swappiness.memory_swappiness = 200;
  CHECK(refusal(swappiness) == "Invalid value: 200, valid memory swappiness range is 0-100");
  api::RunRequest rt;
  rt.cpu_rt_period = 100;
  rt.cpu_rt_runtime = 200;
  CHECK(refusal(rt) == "cpu real-time runtime cannot be higher than cpu real-time period");

  // Where the host cannot limit a device, Docker warns and never looks the path up.
  cgroup::HostResources no_weights;
  no_weights.blkio_weight_device = false;
  api::RunRequest weight;
  weight.blkio_weight_device = {"/dev/asup-missing:500"};
  weight.memory_swappiness = -1;  // Docker's CLI default: not set
  auto warned = fit_run_limits(weight, no_weights);
  REQUIRE(warned);
  CHECK(warned.value() ==
        std::vector<std::string>{"Your kernel does not support Block I/O weight_device or the "
                                 "cgroup is not mounted. Weight-device discarded."});
  CHECK(weight.blkio_weight_device.empty());
  CHECK_FALSE(run_limits(weight).memory_swappiness);
}

TEST_CASE("the flags become limits, survive config.json and show in inspect", "[resource_config]") {
  api::RunRequest r;
  r.memory_swappiness = 0;
  r.cpu_rt_period = 1000000;
  r.cpu_rt_runtime = 10000;
  r.blkio_weight_device = {"/dev/sda:300"};
  r.device_read_bps = {"/dev/vda:1mb"};
  r.device_write_bps = {"/dev/vda:2m"};
  r.device_read_iops = {"/dev/vda:100"};
  r.device_write_iops = {"/dev/vda:50"};
  r.device_cgroup_rules = {"c 1:3 mr", "b *:* w"};
  cgroup::Limits l = run_limits(r);
  CHECK(l.memory_swappiness == 0);
  CHECK(l.cpu_rt_runtime == 10000);
  CHECK(l.blkio_devices.read_bps == std::vector<cgroup::BlkioDevice>{{"/dev/vda", 0, 0, 1048576}});
  CHECK(l.blkio_devices.weight == std::vector<cgroup::BlkioDevice>{{"/dev/sda", 0, 0, 300}});
  REQUIRE(l.devices.size() == 2);

  cgroup::Limits back = limits_from_json(limits_to_json(l));
  CHECK(back.memory_swappiness == l.memory_swappiness);
  CHECK(back.cpu_rt_period == l.cpu_rt_period);
  CHECK(back.cpu_rt_runtime == l.cpu_rt_runtime);
  CHECK(back.blkio_devices == l.blkio_devices);
  CHECK(back.devices == l.devices);

  nlohmann::json host;
  add_more_resources_view(l, "/mine", host);
  CHECK(host["MemorySwappiness"] == 0);
  CHECK(host["CpuRealtimePeriod"] == 1000000);
  CHECK(host["CpuRealtimeRuntime"] == 10000);
  CHECK(host["BlkioWeightDevice"] ==
        nlohmann::json::parse(R"([{"Path":"/dev/sda","Weight":300}])"));
  CHECK(host["BlkioDeviceReadBps"] ==
        nlohmann::json::parse(R"([{"Path":"/dev/vda","Rate":1048576}])"));
  CHECK(host["BlkioDeviceWriteBps"][0]["Rate"] == 2097152);
  CHECK(host["BlkioDeviceReadIOps"][0]["Rate"] == 100);
  CHECK(host["BlkioDeviceWriteIOps"][0]["Rate"] == 50);
  CHECK(host["DeviceCgroupRules"] == nlohmann::json::parse(R"(["c 1:3 rm", "b *:* w"])"));
  CHECK(host["CgroupParent"] == "/mine");

  nlohmann::json plain;
  add_more_resources_view(cgroup::Limits{}, "", plain);
  CHECK(plain["MemorySwappiness"].is_null());
  CHECK(plain["DeviceCgroupRules"].is_null());
  CHECK(plain["BlkioDeviceReadBps"] == nlohmann::json::array());
  CHECK(plain["CgroupParent"] == "");
}

TEST_CASE("an update carries the real-time flags and keeps them", "[resource_config]") {
  api::UpdateRequest u;
  u.cpu_rt_period = 500000;
  u.cpu_rt_runtime = 1000;
  auto checked = update_limits(u, {});
  REQUIRE(checked);
  cgroup::Limits kept;
  keep_updated_limits(checked.value().limits, kept);
  CHECK(kept.cpu_rt_period == 500000);
  CHECK(kept.cpu_rt_runtime == 1000);
  cgroup::HostResources no_rt;
  no_rt.cpu_rt = false;
  auto refused = update_limits(u, no_rt);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "Your kernel does not support cgroup cpu real-time period");
}
