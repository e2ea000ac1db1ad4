// The later resource flags through real containers on this v1 host: --memory-swappiness in
// memory.swappiness, the per-device throttles in blkio.throttle.* for the disk backing /,
// --device-cgroup-rule deciding whether a node made with mknod opens, --cgroup-parent
// placing the group, --cpu-rt-* under a parent given a real-time budget, and every bad
// value refused in Docker's words with nothing left behind.
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "harness.hpp"
#include "skip.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

std::string cgroup_file(Daemon& d, const std::string& controller, const std::string& id,
                        const std::string& file) {
  return trim(read_text(d.cgroup_dir(controller, id) + "/" + file));
}

// The block device node under /dev whose numbers are those of the filesystem at `path`,
// "" when there is none (an overlay or tmpfs root).
std::string block_device_of(const std::string& path) {
  struct stat target;
  if (::stat(path.c_str(), &target) != 0) return "";
  DIR* dir = ::opendir("/dev");
  if (!dir) return "";
  std::string found;
  while (dirent* e = ::readdir(dir)) {
    std::string node = std::string("/dev/") + e->d_name;
    struct stat st;
    if (::stat(node.c_str(), &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == target.st_dev) {
      found = node;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

bool write_file(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace

TEST_CASE("swappiness and per-device throttles land in the container's v1 groups",
          "[integration][resource_flags]") {
  if (!is_directory("/sys/fs/cgroup/blkio") ||
      read_text("/sys/fs/cgroup/memory/memory.swappiness").empty())
    ASUP_SKIP("no v1 memory and blkio hierarchies");
  const std::string disk = block_device_of("/");
  if (disk.empty()) ASUP_SKIP("/ is on no block device");
  struct stat st;
  REQUIRE(::stat(disk.c_str(), &st) == 0);
  const std::string numbers =
      std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
  Daemon d;
  auto run = d.run({"run", "-d", "--memory-swappiness", "0", "--device-read-bps", disk + ":1mb",
                    "--device-write-bps", disk + ":512kb", "--device-read-iops", disk + ":100",
                    "--device-write-iops", disk + ":50", "busybox", "sleep", "1000"});
  INFO(run);
  REQUIRE(run.code == 0);
  CHECK(run.err.empty());
  const std::string id = trim(run.out);
  CHECK(cgroup_file(d, "memory", id, "memory.swappiness") == "0");
  CHECK(cgroup_file(d, "blkio", id, "blkio.throttle.read_bps_device") == numbers + " 1048576");
  CHECK(cgroup_file(d, "blkio", id, "blkio.throttle.write_bps_device") == numbers + " 524288");
  CHECK(cgroup_file(d, "blkio", id, "blkio.throttle.read_iops_device") == numbers + " 100");
  CHECK(cgroup_file(d, "blkio", id, "blkio.throttle.write_iops_device") == numbers + " 50");

  auto host = d.inspect(id)["HostConfig"];
  CHECK(host["MemorySwappiness"] == 0);
  CHECK(host["BlkioDeviceReadBps"] == nlohmann::json::array({{{"Path", disk}, {"Rate", 1048576}}}));
  CHECK(host["BlkioDeviceWriteBps"][0]["Rate"] == 524288);
  CHECK(host["BlkioDeviceReadIOps"][0]["Rate"] == 100);
  CHECK(host["BlkioDeviceWriteIOps"][0]["Rate"] == 50);
  CHECK(host["BlkioWeightDevice"] == nlohmann::json::array());

  // The limits come back with the container's next run, from its config.
  REQUIRE(d.run({"stop", "-t", "0", id}).code == 0);
  REQUIRE(d.run({"start", id}).code == 0);
  CHECK(cgroup_file(d, "blkio", id, "blkio.throttle.read_bps_device") == numbers + " 1048576");
  CHECK(cgroup_file(d, "memory", id, "memory.swappiness") == "0");

  // Without the flag the kernel's default stays; inspect shows Docker's null.
  auto plain = d.run_detached({"busybox", "sleep", "1000"});
  CHECK(cgroup_file(d, "memory", plain, "memory.swappiness") ==
        trim(read_text("/sys/fs/cgroup/memory/memory.swappiness")));
  CHECK(d.inspect(plain)["HostConfig"]["MemorySwappiness"].is_null());

  // A weight per device needs BFQ's or CFQ's file; without one Docker warns and drops it.
  const bool weights = !read_text("/sys/fs/cgroup/blkio/blkio.weight_device").empty() ||
                       !read_text("/sys/fs/cgroup/blkio/blkio.bfq.weight_device").empty();
  auto weighted = d.run({"create", "--blkio-weight-device", disk + ":300", "busybox", "true"});
  INFO(weighted);
  REQUIRE(weighted.code == 0);
  if (!weights) {
    CHECK(weighted.err ==
          "WARNING: Your kernel does not support Block I/O weight_device or the cgroup is not "
          "mounted. Weight-device discarded.\n");
    CHECK(d.inspect(trim(weighted.out))["HostConfig"]["BlkioWeightDevice"] ==
          nlohmann::json::array());
  } else {
    CHECK(d.inspect(trim(weighted.out))["HostConfig"]["BlkioWeightDevice"][0]["Weight"] == 300);
  }
}

TEST_CASE("flag --device-cgroup-rule lets a node made with mknod be opened",
          "[integration][resource_flags]") {
  Daemon d;
  // /dev/kmsg's numbers: opening it for writing needs no privilege beyond the device
  // policy, and nothing is written.
  const std::string script = "mknod /tmp/kmsg c 1 11 && exec 3>/tmp/kmsg && echo opened";
  auto denied = d.try_run({"run", "--rm", "busybox", "sh", "-c", script});
  INFO(denied);
  CHECK(denied.code != 0);
  CHECK_THAT(denied.err + denied.out, Contains("Operation not permitted"));

  auto allowed =
      d.run({"run", "--rm", "--device-cgroup-rule", "c 1:11 w", "busybox", "sh", "-c", script});
  INFO(allowed);
  CHECK(allowed.code == 0);
  CHECK(allowed.out == "opened\n");

  // Any minor of major 1, with every access; inspect lists the rules.
  auto created = d.run({"create", "--device-cgroup-rule", "c 1:* rwm", "--device-cgroup-rule",
                        "b 7:0 r", "busybox", "true"});
  REQUIRE(created.code == 0);
  CHECK(d.inspect(trim(created.out))["HostConfig"]["DeviceCgroupRules"] ==
        nlohmann::json::array({"c 1:* rwm", "b 7:0 r"}));
  auto any = d.run({"start", "-a", trim(created.out)});
  CHECK(any.code == 0);
}

TEST_CASE("flag --cgroup-parent puts the container's groups under it, made where missing",
          "[integration][resource_flags]") {
  Daemon d;
  // Below the daemon's own parent, which its teardown removes with everything in it.
  const std::string parent = d.cgroup_parent() + "/custom/nested";
  // The host's cgroup namespace: the container's own view of its groups would be "/".
  const std::string id =
      d.run_detached({"--cgroup-parent", parent, "--cgroupns", "host", "busybox", "sleep", "1000"});
  for (const char* controller : {"memory", "cpu", "pids", "devices", "freezer"})
    CHECK(is_directory(std::string("/sys/fs/cgroup/") + controller + "/" + parent + "/" + id));
  CHECK_FALSE(is_directory(d.cgroup_dir("memory", id)));
  const auto pid = d.inspect(id)["State"]["Pid"].get<int>();
  CHECK_THAT(read_text("/proc/" + std::to_string(pid) + "/cgroup"),
             Contains(":memory:/" + parent + "/" + id + "\n"));
  CHECK(d.inspect(id)["HostConfig"]["CgroupParent"] == parent);
  // exec joins the same groups.
  auto exec = d.run({"exec", id, "cat", "/proc/self/cgroup"});
  CHECK_THAT(exec.out, Contains(parent + "/" + id));
  // A restarted asupd finds the group there.
  d.restart();
  REQUIRE(d.run({"kill", id}).code == 0);
  REQUIRE(d.wait_status(id, "exited"));
  CHECK_FALSE(is_directory("/sys/fs/cgroup/memory/" + parent + "/" + id));
  CHECK(is_directory("/sys/fs/cgroup/memory/" + parent));  // the parent stays, as Docker's

  // An absolute parent is the same place; ".." never leads out of the hierarchy.
  const std::string other = d.run_detached(
      {"--cgroup-parent", "/" + d.cgroup_parent() + "/x/../abs", "busybox", "sleep", "1000"});
  CHECK(is_directory("/sys/fs/cgroup/pids/" + d.cgroup_parent() + "/abs/" + other));
  REQUIRE(d.run({"rm", "-f", id, other}).code == 0);
  for (const char* controller : {"memory", "cpu", "pids", "devices", "freezer"})
    for (const char* dir : {"/custom/nested", "/custom", "/abs"})
      ::rmdir(
          (std::string("/sys/fs/cgroup/") + controller + "/" + d.cgroup_parent() + dir).c_str());
}

TEST_CASE("flag --cpu-rt-runtime under a parent with a real-time budget",
          "[integration][resource_flags]") {
  const std::string cpu = "/sys/fs/cgroup/cpu";
  if (read_text(cpu + "/cpu.rt_runtime_us").empty())
    ASUP_SKIP("no real-time groups (CONFIG_RT_GROUP_SCHED)");
  Daemon d;
  // A budget for the daemon's parent and a level below it; a new group has none.
  const std::string parent = d.cgroup_parent() + "/rt";
  const std::string top = cpu + "/" + d.cgroup_parent();
  ::mkdir(top.c_str(), 0755);
  ::mkdir((top + "/rt").c_str(), 0755);
  if (!write_file(top + "/cpu.rt_runtime_us", "20000") ||
      !write_file(top + "/rt/cpu.rt_runtime_us", "10000"))
    ASUP_SKIP("the host's real-time budget is taken");
  auto run = d.run({"run", "-d", "--cgroup-parent", parent, "--cpu-rt-period", "1000000",
                    "--cpu-rt-runtime", "5000", "busybox", "sleep", "1000"});
  INFO(run);
  REQUIRE(run.code == 0);
  const std::string id = trim(run.out);
  const std::string group = cpu + "/" + parent + "/" + id;
  CHECK(trim(read_text(group + "/cpu.rt_period_us")) == "1000000");
  CHECK(trim(read_text(group + "/cpu.rt_runtime_us")) == "5000");
  auto host = d.inspect(id)["HostConfig"];
  CHECK(host["CpuRealtimePeriod"] == 1000000);
  CHECK(host["CpuRealtimeRuntime"] == 5000);
  // update changes the runtime live and keeps it.
  auto up = d.run({"update", "--cpu-rt-runtime", "4000", id});
  INFO(up);
  CHECK(up.code == 0);
  CHECK(trim(read_text(group + "/cpu.rt_runtime_us")) == "4000");
  CHECK(d.inspect(id)["HostConfig"]["CpuRealtimeRuntime"] == 4000);
  // More than the parent has: the kernel's refusal, and nothing changes.
  auto over = d.try_run({"update", "--cpu-rt-runtime", "50000", id});
  CHECK(over.code != 0);
  CHECK(trim(read_text(group + "/cpu.rt_runtime_us")) == "4000");
  REQUIRE(d.run({"rm", "-f", id}).code == 0);
  // Budgets back to none before the groups go, so the root's is as it was.
  write_file(top + "/rt/cpu.rt_runtime_us", "0");
  ::rmdir((top + "/rt").c_str());
  write_file(top + "/cpu.rt_runtime_us", "0");
}

TEST_CASE("bad values of the later resource flags: Docker's words, no container",
          "[integration][resource_flags]") {
  Daemon d;
  const std::string disk = block_device_of("/");
  struct Case {
    std::vector<std::string> flags;
    std::string error;
  };
  std::vector<Case> cases = {
      {{"--memory-swappiness", "101"},
       "invalid value: 101. Valid memory swappiness range is 0-100"},
      {{"--memory-swappiness", "-2"}, "invalid value: -2. Valid memory swappiness range is 0-100"},
      {{"--device-cgroup-rule", "c 1:3"},
       "invalid argument \"c 1:3\" for \"--device-cgroup-rule\" flag: invalid device cgroup "
       "format 'c 1:3'"},
      {{"--device-read-bps", "/dev/vda"},
       "invalid argument \"/dev/vda\" for \"--device-read-bps\" flag: bad format: /dev/vda"},
      {{"--device-write-bps", "/tmp/x:1mb"},
       "invalid argument \"/tmp/x:1mb\" for \"--device-write-bps\" flag: bad format for device "
       "path: /tmp/x:1mb"},
      {{"--device-read-iops", "/dev/vda:1k"},
       "invalid argument \"/dev/vda:1k\" for \"--device-read-iops\" flag: invalid rate for "
       "device: /dev/vda:1k. The correct format is <device-path>:<number>. Number must be a "
       "positive integer"},
      {{"--blkio-weight-device", "/dev/vda:5"},
       "invalid argument \"/dev/vda:5\" for \"--blkio-weight-device\" flag: invalid weight for "
       "device: /dev/vda:5"},
      {{"--device-read-bps", "/dev/asup-no-such-disk:1mb"},
       "stat /dev/asup-no-such-disk: no such file or directory"},
      {{"--device-write-iops", "/dev/null:10"}, "stat /dev/null: block device required"},
      {{"--cpu-rt-period", "1000", "--cpu-rt-runtime", "2000"},
       "cpu real-time runtime cannot be higher than cpu real-time period"},
      {{"--cpu-count", "2"},
       "\"--cpu-count\" is only supported on a Docker daemon running on windows, but the Docker "
       "daemon is running on linux"},
      {{"--cpu-percent", "50"}, "\"--cpu-percent\" is only supported on a Docker daemon"},
      {{"--io-maxbandwidth", "1m"}, "\"--io-maxbandwidth\" is only supported on a Docker daemon"},
      {{"--io-maxiops", "10"}, "\"--io-maxiops\" is only supported on a Docker daemon"},
      {{"--kernel-memory", "lots"},
       "invalid argument \"lots\" for \"--kernel-memory\" flag: invalid size: 'lots'"},
  };
  for (const auto& c : cases) {
    for (const char* command : {"run", "create"}) {
      std::vector<std::string> args{command};
      args.insert(args.end(), c.flags.begin(), c.flags.end());
      args.insert(args.end(), {"busybox", "echo", "ran"});
      auto r = d.try_run(args);
      INFO(r);
      CHECK(r.code == 125);
      CHECK(r.out.empty());
      CHECK_THAT(r.err, Contains(c.error));
      // One line of error, after the deprecation line --kernel-memory prints.
      CHECK(lines(r.err).size() == (c.flags[0] == "--kernel-memory" ? 2u : 1u));
    }
  }
  CHECK(lines(d.run({"ps", "-a", "-q"}).out).empty());

  // --kernel-memory is taken, with Docker's deprecation line, and never applied.
  auto kmem = d.run({"run", "--rm", "--kernel-memory", "64m", "busybox", "echo", "ran"});
  INFO(kmem);
  CHECK(kmem.code == 0);
  CHECK(kmem.out == "ran\n");
  CHECK(kmem.err ==
        "Flag --kernel-memory has been deprecated, and no longer supported by the kernel\n");

  // update: the real-time flags are checked before any container is looked up.
  auto up = d.try_run({"update", "--cpu-rt-period", "1000", "--cpu-rt-runtime", "2000", "nosuch"});
  CHECK(up.code == 1);
  CHECK_THAT(up.err, Contains("cpu real-time runtime cannot be higher than cpu real-time period"));
  if (!disk.empty()) {
    // Devices are no flags of update, as in Docker.
    auto devices = d.try_run({"update", "--device-read-bps", disk + ":1mb", "nosuch"});
    CHECK(devices.code != 0);
  }
}
