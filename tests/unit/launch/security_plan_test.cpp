// What --privileged and --shm-size change in the mount plan, and which host nodes a
// privileged container gets.
#include <catch2/catch.hpp>

#include <sys/mount.h>

#include <algorithm>

#include "launch/capabilities.hpp"
#include "launch/host_devices.hpp"
#include "launch/launch_spec.hpp"
#include "launch/mount_plan.hpp"

using namespace asup::launch;

namespace {

RootfsLayout layout() {
  RootfsLayout l;
  l.lower_dirs = {"/layers/base"};
  l.upper_dir = "/c/upper";
  l.work_dir = "/c/work";
  l.merged_dir = "/c/merged";
  return l;
}

const MountOp* find(const std::vector<MountOp>& ops, MountKind kind, const std::string& target) {
  auto it = std::find_if(ops.begin(), ops.end(),
                         [&](const MountOp& op) { return op.kind == kind && op.target == target; });
  return it == ops.end() ? nullptr : &*it;
}

bool any_protected(const std::vector<MountOp>& ops) {
  return std::any_of(ops.begin(), ops.end(), [](const MountOp& op) {
    return op.kind == MountKind::Mask || op.kind == MountKind::ReadOnly;
  });
}

DeviceNode node(const std::string& path) {
  DeviceNode n;
  n.path = path;
  return n;
}

}  // namespace

TEST_CASE("a default container has read-only /sys and Docker's protected paths",
          "[launch][plan][security]") {
  auto ops = build_container_mounts(layout());
  const MountOp* sys = find(ops, MountKind::Mount, "/sys");
  REQUIRE(sys);
  CHECK((sys->flags & MS_RDONLY) != 0);
  CHECK(any_protected(ops));
  const MountOp* shm = find(ops, MountKind::Mount, "/dev/shm");
  REQUIRE(shm);
  CHECK(shm->data == "mode=1777,size=65536k");
}

TEST_CASE("a privileged container has writable /sys and nothing masked",
          "[launch][plan][security]") {
  RootfsLayout l = layout();
  l.privileged = true;
  auto ops = build_container_mounts(l);
  const MountOp* sys = find(ops, MountKind::Mount, "/sys");
  REQUIRE(sys);
  CHECK((sys->flags & MS_RDONLY) == 0);
  CHECK_FALSE(any_protected(ops));
}

TEST_CASE("shm size: --shm-size sizes /dev/shm", "[launch][plan][security]") {
  RootfsLayout l = layout();
  l.shm_size = std::int64_t{128} << 20;
  CHECK(find(build_container_mounts(l), MountKind::Mount, "/dev/shm")->data ==
        "mode=1777,size=131072k");
  l.shm_size = 1000;  // not whole kilobytes: bytes
  CHECK(find(build_container_mounts(l), MountKind::Mount, "/dev/shm")->data ==
        "mode=1777,size=1000");
}

TEST_CASE("privileged devices leave out what the container's /dev provides",
          "[launch][plan][security]") {
  auto kept = privileged_devices({node("/dev/sda"), node("/dev/pts/0"), node("/dev/shm/x"),
                                  node("/dev/console"), node("/dev/mqueue/q"), node("/dev/fuse"),
                                  node("/dev/ptsx")});
  std::vector<std::string> paths;
  for (auto& n : kept) paths.push_back(n.path);
  CHECK(paths == std::vector<std::string>{"/dev/sda", "/dev/fuse", "/dev/ptsx"});
}

TEST_CASE("the launch spec's default capability mask is Docker's default set",
          "[launch][security]") {
  CHECK(kDockerDefaultCapabilities == docker_default_capabilities());
}
