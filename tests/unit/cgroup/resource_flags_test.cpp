// The resource flags past the first ones: --memory-swappiness, --cpu-rt-*, the per-device
// I/O limits, --device-cgroup-rule and --cgroup-parent. Their plans on each version, the
// parsers with Docker's texts, Docker's checks, and the backends on fixture directories.
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>

#include "cgroup/blkio.hpp"
#include "cgroup/blkio_device.hpp"
#include "cgroup/devices.hpp"
#include "cgroup/plan.hpp"
#include "cgroup/validate.hpp"
#include "core/fs.hpp"
#include "test_support.hpp"

using namespace asup;
using namespace asup::cgroup;
using asup::cgroup::test::TempDir;

namespace {

std::vector<Setting> plan(Version v, const Limits& l) {
  auto r = plan_limits(v, l);
  REQUIRE(r);
  return r.value();
}

BlkioDevice dev(std::uint32_t major, std::uint32_t minor, std::uint64_t value) {
  return BlkioDevice{"/dev/x", major, minor, value};
}

std::string error_of(const Result<CheckedLimits>& r) {
  REQUIRE_FALSE(r);
  return r.error().message;
}

}  // namespace

TEST_CASE("plan: swappiness and real-time bandwidth in v1's files", "[cgroup][resource_flags]") {
  Limits l;
  l.memory_swappiness = 0;
  l.cpu_rt_period = 1000000;
  l.cpu_rt_runtime = 5000;
  CHECK(plan(Version::V1, l) == std::vector<Setting>{{"memory", "memory.swappiness", "0"},
                                                     {"cpu", "cpu.rt_period_us", "1000000"},
                                                     {"cpu", "cpu.rt_runtime_us", "5000"}});
  // v2 has neither (check_limits drops or refuses them before a plan is made).
  CHECK(plan(Version::V2, l).empty());
  // An update writes them to a live group the same way.
  Limits rt;
  rt.cpu_rt_runtime = 2000;
  CHECK(plan_update(Version::V1, rt, std::nullopt).value() ==
        std::vector<Setting>{{"cpu", "cpu.rt_runtime_us", "2000"}});
}

TEST_CASE("plan v1: per-device weights and throttles, a line per device",
          "[cgroup][resource_flags]") {
  Limits l;
  l.blkio_devices.weight = {dev(8, 0, 300)};
  l.blkio_devices.read_bps = {dev(254, 0, 1048576), dev(7, 3, 0)};
  l.blkio_devices.write_bps = {dev(254, 0, 2097152)};
  l.blkio_devices.read_iops = {dev(254, 0, 100)};
  l.blkio_devices.write_iops = {dev(254, 0, 50)};
  CHECK(plan(Version::V1, l) == std::vector<Setting>{
                                    {"blkio", "blkio.weight_device", "8:0 300", true},
                                    {"blkio", "blkio.bfq.weight_device", "8:0 300", true},
                                    {"blkio", "blkio.throttle.read_bps_device", "254:0 1048576"},
                                    {"blkio", "blkio.throttle.read_bps_device", "7:3 0"},
                                    {"blkio", "blkio.throttle.write_bps_device", "254:0 2097152"},
                                    {"blkio", "blkio.throttle.read_iops_device", "254:0 100"},
                                    {"blkio", "blkio.throttle.write_iops_device", "254:0 50"},
                                });
  CHECK(required_controllers_of(plan(Version::V1, l)) == std::vector<std::string>{"blkio"});
}

TEST_CASE("plan v2: io.max joins a device's throttles, weights in both files",
          "[cgroup][resource_flags]") {
  Limits l;
  l.blkio_devices.weight = {dev(8, 0, 1000)};
  l.blkio_devices.read_bps = {dev(254, 0, 1048576), dev(7, 3, 0)};
  l.blkio_devices.write_iops = {dev(254, 0, 50), dev(8, 16, 7)};
  CHECK(plan(Version::V2, l) == std::vector<Setting>{
                                    {"io", "io.weight", "8:0 10000", true},
                                    {"io", "io.bfq.weight", "8:0 1000", true},
                                    {"io", "io.max", "254:0 rbps=1048576 wiops=50"},
                                    {"io", "io.max", "7:3 rbps=max"},
                                    {"io", "io.max", "8:16 wiops=7"},
                                });
}

TEST_CASE("per-device values parse as Docker's CLI parses them", "[cgroup][resource_flags]") {
  auto bps = parse_blkio_device("/dev/vda:1mb", BlkioValue::Bps, "--device-read-bps");
  REQUIRE(bps);
  CHECK(bps.value() == BlkioDevice{"/dev/vda", 0, 0, 1048576});
  CHECK(parse_blkio_device("/dev/vda:512k", BlkioValue::Bps, "--device-write-bps").value().value ==
        524288);
  CHECK(parse_blkio_device("/dev/vda:1gb", BlkioValue::Bps, "x").value().value == 1073741824);
  CHECK(parse_blkio_device("/dev/vda:100", BlkioValue::Iops, "x").value().value == 100);
  CHECK(parse_blkio_device("/dev/vda:0", BlkioValue::Weight, "x").value().value == 0);
  CHECK(parse_blkio_device("/dev/sda:500", BlkioValue::Weight, "x").value().value == 500);

  auto error = [](const char* text, BlkioValue kind, const char* flag) {
    auto r = parse_blkio_device(text, kind, flag);
    REQUIRE_FALSE(r);
    return r.error().message;
  };
  CHECK(error("/dev/vda", BlkioValue::Bps, "--device-read-bps") ==
        "invalid argument \"/dev/vda\" for \"--device-read-bps\" flag: bad format: /dev/vda");
  CHECK(error(":1", BlkioValue::Bps, "--device-read-bps") ==
        "invalid argument \":1\" for \"--device-read-bps\" flag: bad format: :1");
  CHECK(error("/tmp/x:1", BlkioValue::Iops, "--device-read-iops") ==
        "invalid argument \"/tmp/x:1\" for \"--device-read-iops\" flag: bad format for device "
        "path: /tmp/x:1");
  CHECK(error("/dev/vda:fast", BlkioValue::Bps, "--device-write-bps") ==
        "invalid argument \"/dev/vda:fast\" for \"--device-write-bps\" flag: invalid rate for "
        "device: /dev/vda:fast. The correct format is <device-path>:<number>[<unit>]. Number "
        "must be a positive integer. Unit is optional and can be kb, mb, or gb");
  CHECK(error("/dev/vda:1k", BlkioValue::Iops, "--device-write-iops") ==
        "invalid argument \"/dev/vda:1k\" for \"--device-write-iops\" flag: invalid rate for "
        "device: /dev/vda:1k. The correct format is <device-path>:<number>. Number must be a "
        "positive integer");
  for (const char* bad : {"/dev/vda:5", "/dev/vda:1001", "/dev/vda:-1", "/dev/vda:x"})
    CHECK(error(bad, BlkioValue::Weight, "--blkio-weight-device") ==
          std::string("invalid argument \"") + bad +
              "\" for \"--blkio-weight-device\" flag: invalid weight for device: " + bad);
}

TEST_CASE("a device path is looked up as the daemon stats it", "[cgroup][resource_flags]") {
  BlkioDevice missing{"/dev/asup-no-such-device", 0, 0, 1};
  auto r = resolve_blkio_device(missing);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "stat /dev/asup-no-such-device: no such file or directory");
  BlkioDevice chr{"/dev/null", 0, 0, 1};
  r = resolve_blkio_device(chr);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "stat /dev/null: block device required");
  // The node of the disk backing /, where / is on one (not an overlay or tmpfs).
  struct stat root;
  REQUIRE(::stat("/", &root) == 0);
  std::string node;
  if (DIR* dir = ::opendir("/dev")) {
    while (dirent* e = ::readdir(dir)) {
      struct stat st;
      std::string path = std::string("/dev/") + e->d_name;
      if (::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == root.st_dev)
        node = path;
    }
    ::closedir(dir);
  }
  if (node.empty()) return;
  BlkioDevice disk{node, 0, 0, 1};
  REQUIRE(resolve_blkio_device(disk));
  CHECK(disk.major == major(root.st_dev));
  CHECK(disk.minor == minor(root.st_dev));
}

TEST_CASE("device cgroup rules parse as Docker's pattern reads them", "[cgroup][resource_flags]") {
  auto rule = devices::parse_cgroup_rule("c 1:3 mr");
  REQUIRE(rule);
  CHECK(rule.value() == DeviceRule{true, DeviceType::Char, 1, 3, kDeviceMknod | kDeviceRead});
  CHECK(devices::cgroup_rule_text(rule.value()) == "c 1:3 rm");
  auto any = devices::parse_cgroup_rule("b *:* rwm").value();
  CHECK(any == DeviceRule{true, DeviceType::Block, std::nullopt, std::nullopt, kDeviceAllAccess});
  CHECK(devices::v1_line(any) == "b *:* rwm");
  auto all = devices::parse_cgroup_rule("a 7:* w").value();
  CHECK(all.type == DeviceType::All);
  CHECK(devices::cgroup_rule_text(all) == "a 7:* w");
  for (const char* bad : {"", "c", "c 1:3", "x 1:3 r", "c 1:3 rx", "c 1:3 rwmr", "c  1:3 r",
                          "c 1-3 r", "c 1: r", "c a:3 r", "c 1:3 r ", "c 99999999999:1 r"}) {
    auto r = devices::parse_cgroup_rule(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == std::string("invalid device cgroup format '") + bad + "'");
  }
  // The rule opens what the defaults keep shut.
  auto rules = devices::default_rules();
  CHECK_FALSE(devices::permits(rules, DeviceType::Char, 1, 4, kDeviceRead));
  rules.push_back(devices::parse_cgroup_rule("c 1:4 r").value());
  CHECK(devices::permits(rules, DeviceType::Char, 1, 4, kDeviceRead));
  CHECK_FALSE(devices::permits(rules, DeviceType::Char, 1, 4, kDeviceWrite));
}

TEST_CASE("a cgroup parent is cleaned as Docker's cgroupfs driver joins it",
          "[cgroup][resource_flags]") {
  CHECK(normalize_parent("").value().empty());
  CHECK(normalize_parent("a").value() == "/a");
  CHECK(normalize_parent("/a/b").value() == "/a/b");
  CHECK(normalize_parent("a//b/./c/").value() == "/a/b/c");
  CHECK(normalize_parent("../../x").value() == "/x");
  CHECK(normalize_parent("a/../../b").value() == "/b");
  CHECK(normalize_parent("/").value() == "/");
  CHECK(normalize_parent("..").value() == "/");
  CHECK_FALSE(normalize_parent(std::string("a\0b", 3)));
}

TEST_CASE("check_limits: swappiness, real-time and device weights as Docker checks them",
          "[cgroup][resource_flags]") {
  HostResources host;
  Limits l;
  l.memory_swappiness = 101;
  CHECK(error_of(check_limits(l, host)) ==
        "Invalid value: 101, valid memory swappiness range is 0-100");
  l.memory_swappiness = 60;
  CHECK(check_limits(l, host));

  Limits rt;
  rt.cpu_rt_period = 1000;
  rt.cpu_rt_runtime = 2000;
  CHECK(error_of(check_limits(rt, host)) ==
        "cpu real-time runtime cannot be higher than cpu real-time period");
  rt.cpu_rt_runtime = 1000;
  CHECK(check_limits(rt, host));
  HostResources no_rt;
  no_rt.cpu_rt = false;
  CHECK(error_of(check_limits(rt, no_rt)) ==
        "Your kernel does not support cgroup cpu real-time period");
  rt.cpu_rt_period.reset();
  CHECK(error_of(check_limits(rt, no_rt)) ==
        "Your kernel does not support cgroup cpu real-time runtime");

  Limits w;
  w.blkio_devices.weight = {BlkioDevice{"/dev/vda", 254, 0, 5}};
  CHECK(error_of(check_limits(w, host)) == "invalid weight for device: /dev/vda:5");
}

TEST_CASE("check_limits: what the host lacks goes with Docker's warning",
          "[cgroup][resource_flags]") {
  HostResources host;
  host.memory_swappiness = false;
  host.blkio_weight_device = false;
  host.blkio_throttle = false;
  Limits l;
  l.memory_swappiness = 101;  // dropped before it is checked, as Docker does
  l.blkio_devices.weight = {dev(8, 0, 500)};
  l.blkio_devices.read_bps = {dev(8, 0, 1)};
  l.blkio_devices.write_bps = {dev(8, 0, 1)};
  l.blkio_devices.read_iops = {dev(8, 0, 1)};
  l.blkio_devices.write_iops = {dev(8, 0, 1)};
  auto r = check_limits(l, host);
  REQUIRE(r);
  CHECK_FALSE(r.value().limits.memory_swappiness);
  CHECK(r.value().limits.blkio_devices.empty());
  CHECK(r.value().warnings ==
        std::vector<std::string>{
            "Your kernel does not support memory swappiness capabilities or the cgroup is not "
            "mounted. Memory swappiness discarded.",
            "Your kernel does not support Block I/O weight_device or the cgroup is not mounted. "
            "Weight-device discarded.",
            "Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. "
            "Block I/O BPS read limit discarded.",
            "Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. "
            "Block I/O BPS write limit discarded.",
            "Your kernel does not support IOPS Block read limit or the cgroup is not mounted. "
            "Block I/O IOPS read limit discarded.",
            "Your kernel does not support IOPS Block write limit or the cgroup is not mounted. "
            "Block I/O IOPS write limit discarded.",
        });
}

TEST_CASE("host_resources: v2 has no swappiness nor real-time groups", "[cgroup][resource_flags]") {
  TempDir root;
  REQUIRE(fs::write_file(root / "cgroup.controllers", "cpu io memory pids\n"));
  auto host = host_resources(Version::V2, root.path());
  CHECK_FALSE(host.memory_swappiness);
  CHECK_FALSE(host.cpu_rt);
  CHECK(host.blkio_weight_device);
  CHECK(host.blkio_throttle);
  TempDir bare;
  REQUIRE(fs::write_file(bare / "cgroup.controllers", "memory\n"));
  CHECK_FALSE(host_resources(Version::V2, bare.path()).blkio_throttle);
}

TEST_CASE("v1 fixture: a container's own parent, made where missing, beside asupd's",
          "[cgroup][resource_flags]") {
  TempDir root;
  for (const char* h : {"memory", "cpu", "pids", "devices", "freezer", "blkio"})
    REQUIRE(fs::make_dirs(root / h));
  auto manager = make_v1(root.path(), "asup");
  Limits l;
  l.memory_swappiness = 10;
  l.blkio_devices.read_bps = {dev(254, 0, 1048576), dev(7, 0, 2)};
  auto group = manager->create("c1", l, "/mine/nested");
  REQUIRE(group);
  CHECK(fs::is_directory(root / "memory/mine/nested/c1"));
  CHECK(fs::is_directory(root / "blkio/mine/nested/c1"));
  CHECK_FALSE(fs::exists(root / "memory/asup"));
  CHECK(fs::read_file(root / "memory/mine/nested/c1/memory.swappiness").value() == "10");
  // A fixture file keeps each write; the kernel's keeps one line per device.
  CHECK(fs::read_file(root / "blkio/mine/nested/c1/blkio.throttle.read_bps_device").value() ==
        "254:0 10485767:0 2");
  auto opened = manager->open("c1", "/mine/nested");
  CHECK(opened->describe() == group.value()->describe());
  REQUIRE(group.value()->destroy());
  CHECK_FALSE(fs::exists(root / "memory/mine/nested/c1"));
  CHECK(fs::is_directory(root / "memory/mine/nested"));  // the parent stays, as Docker's
}

TEST_CASE("v2 fixture: a container's own parent hands its controllers down every level",
          "[cgroup][resource_flags]") {
  TempDir root;
  REQUIRE(fs::write_file(root / "cgroup.controllers", "cpu io memory pids\n"));
  REQUIRE(fs::write_file(root / "cgroup.subtree_control", "cpu io memory pids"));
  auto manager = make_v2(root.path(), "asup");
  // Plain directories: what a level may hand down is what the test writes there.
  REQUIRE(fs::make_dirs(root / "a/b"));
  REQUIRE(fs::write_file(root / "a/cgroup.controllers", "cpu io memory pids\n"));
  REQUIRE(fs::write_file(root / "a/cgroup.subtree_control", ""));
  REQUIRE(fs::write_file(root / "a/b/cgroup.controllers", "io memory\n"));
  REQUIRE(fs::write_file(root / "a/b/cgroup.subtree_control", ""));
  Limits l;
  l.blkio_devices.read_bps = {dev(254, 0, 1048576)};
  l.blkio_devices.write_bps = {dev(254, 0, 4096)};
  auto group = manager->create("c1", l, "/a/b");
  REQUIRE(group);
  CHECK(fs::read_file(root / "a/cgroup.subtree_control").value() == "+io");
  CHECK(fs::read_file(root / "a/b/cgroup.subtree_control").value() == "+io");
  CHECK(fs::read_file(root / "a/b/c1/io.max").value() == "254:0 rbps=1048576 wbps=4096");
  CHECK(manager->open("c1", "/a/b")->describe() == root / "a/b/c1");
  REQUIRE(group.value()->destroy());
  CHECK_FALSE(fs::exists(root / "asup"));
}
