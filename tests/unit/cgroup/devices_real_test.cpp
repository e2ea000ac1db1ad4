// Device rules enforced by this host's kernel: through the v1 devices controller, and
// through the device filter attached to a group of the cgroup2 tree. A child process moved
// into the group opens and makes device nodes in a temp directory; what it may do is what
// the rules say, whatever its capabilities (it is root).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "cgroup/cgroup.hpp"
#include "cgroup/control_file.hpp"
#include "cgroup/devices.hpp"
#include "core/fs.hpp"
#include "skip.hpp"
#include "test_support.hpp"

using namespace asup;
using namespace asup::cgroup;
using namespace asup::cgroup::test;

namespace {

const std::string kRoot = "/sys/fs/cgroup";

// One attempt of the child: open a node with flags, or make one.
struct Probe {
  std::string path;
  int flags = O_RDONLY;
  bool mknod = false;
  mode_t type = S_IFCHR;
  dev_t device = 0;
};

Probe open_probe(const std::string& path, int flags) {
  return Probe{path, flags};
}
Probe mknod_probe(const std::string& path, mode_t type, unsigned major, unsigned minor) {
  return Probe{path, 0, true, type, ::makedev(major, minor)};
}

// Runs the probes in a child moved into `group` first; returns each one's errno (0: it
// worked).
std::vector<int> probe_in(Group& group, const std::vector<Probe>& probes) {
  int results[2];
  REQUIRE(::pipe2(results, O_CLOEXEC) == 0);
  int gate = -1;
  Child child{fork_gated(gate, [&] {
    for (const auto& p : probes) {
      int rc = p.mknod ? ::mknod(p.path.c_str(), p.type | 0600, p.device)
                       : ::open(p.path.c_str(), p.flags | O_CLOEXEC | O_NONBLOCK);
      int code = rc < 0 ? errno : 0;
      if (rc >= 0 && !p.mknod) ::close(rc);
      (void)!::write(results[1], &code, sizeof code);
    }
  })};
  ::close(results[1]);
  REQUIRE(child.pid() > 0);
  auto added = group.add_process(child.pid());
  if (!added) release(gate);
  REQUIRE(added);
  release(gate);
  std::vector<int> out(probes.size(), -1);
  std::size_t got = 0;
  char* into = reinterpret_cast<char*>(out.data());
  while (got < out.size() * sizeof(int)) {
    ssize_t n = ::read(results[0], into + got, out.size() * sizeof(int) - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(results[0]);
  int status = child.wait();
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  REQUIRE(got == out.size() * sizeof(int));
  return out;
}

// Nodes the probes use, made outside any restricted group: null and zero (allowed by the
// defaults), 1:6 (no driver: without a rule the open fails with ENXIO, never EPERM),
// and loop0's numbers (the defaults deny every block device).
struct Nodes {
  TempDir dir;
  std::string null = dir / "null", zero = dir / "zero", nodriver = dir / "nodriver",
              disk = dir / "disk";
  Nodes() {
    REQUIRE(::mknod(null.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) == 0);
    REQUIRE(::mknod(zero.c_str(), S_IFCHR | 0666, ::makedev(1, 5)) == 0);
    REQUIRE(::mknod(nodriver.c_str(), S_IFCHR | 0666, ::makedev(1, 6)) == 0);
    REQUIRE(::mknod(disk.c_str(), S_IFBLK | 0600, ::makedev(7, 0)) == 0);
  }
};

Limits with_devices(std::vector<DeviceRule> rules) {
  Limits l;
  l.devices = std::move(rules);
  return l;
}

// What each backend must enforce, for one group made with `make`.
template <class Make>
void check_enforcement(Make make) {
  Nodes nodes;
  SECTION("Docker's defaults: the harmless devices open, others only get made") {
    auto group = make("d1", with_devices(devices::default_rules()));
    auto r = probe_in(
        *group, {open_probe(nodes.null, O_RDWR), open_probe(nodes.zero, O_RDONLY),
                 open_probe(nodes.nodriver, O_RDONLY), open_probe(nodes.disk, O_RDONLY),
                 open_probe(nodes.disk, O_WRONLY), mknod_probe(nodes.dir / "made", S_IFBLK, 7, 0)});
    CHECK(r == std::vector<int>{0, 0, EPERM, EPERM, EPERM, 0});
    CHECK(group->destroy());
  }
  SECTION("a read-only rule lets a node be read, not written, not made") {
    auto group = make(
        "d2", with_devices({DeviceRule{}, devices::allow(DeviceType::Char, 1, 3, kDeviceRead)}));
    auto r = probe_in(*group, {open_probe(nodes.null, O_RDONLY), open_probe(nodes.null, O_WRONLY),
                               open_probe(nodes.null, O_RDWR), open_probe(nodes.zero, O_RDONLY),
                               mknod_probe(nodes.dir / "made", S_IFCHR, 1, 3)});
    CHECK(r == std::vector<int>{0, EPERM, EPERM, EPERM, EPERM});
    CHECK(group->destroy());
  }
  SECTION("without rules the group keeps its parent's access") {
    auto group = make("d3", Limits{});
    auto r = probe_in(*group, {open_probe(nodes.nodriver, O_RDONLY)});
    CHECK(r == std::vector<int>{ENXIO});
    CHECK(group->destroy());
  }
}

}  // namespace

TEST_CASE("v1 real: the devices controller enforces the rules", "[cgroup][devices][root]") {
  if (::geteuid() != 0 || !mounted_as(kRoot + "/devices", CGROUP_SUPER_MAGIC)) {
    ASUP_SKIP("needs root and the v1 devices hierarchy");
  }
  std::string parent = unique_name("asup-test");
  DirCleanup cleanup;
  guard_v1_groups(cleanup, kRoot, parent, {"d1", "d2", "d3"});
  auto manager = make_v1(kRoot, parent);

  SECTION("the kernel lists Docker's defaults as written") {
    auto group = manager->create("d1", with_devices(devices::default_rules()));
    REQUIRE(group);
    std::string expected;
    for (const auto& rule : devices::default_rules())
      if (rule.allow) expected += devices::v1_line(rule) + "\n";
    CHECK(read_trimmed(fs::join(kRoot, "devices/" + parent + "/d1/devices.list")) + "\n" ==
          expected);
    CHECK(group.value()->destroy());
  }
  check_enforcement([&](const std::string& id, const Limits& limits) {
    auto group = manager->create(id, limits);
    REQUIRE(group);
    return std::move(group).value();
  });
  manager->remove_parent_if_empty();
}

TEST_CASE("v2 real: the device filter attached to a group enforces the rules",
          "[cgroup][devices][root]") {
  std::string root = unified_root();
  if (::geteuid() != 0 || root.empty()) {
    ASUP_SKIP("needs root and a cgroup2 mount");
  }
  std::string parent = unique_name("asup-test");
  DirCleanup cleanup;
  cleanup.add(fs::join(root, parent));
  for (const char* id : {"d1", "d2", "d3", "d4"}) cleanup.add(fs::join(fs::join(root, parent), id));
  auto manager = make_v2(root, parent);

  SECTION("groups with the same rules share one program, and each enforces it") {
    Nodes nodes;
    auto first = manager->create("d1", with_devices(devices::default_rules()));
    auto second = manager->create("d4", with_devices(devices::default_rules()));
    REQUIRE(first);
    REQUIRE(second);
    for (auto* group : {first.value().get(), second.value().get()})
      CHECK(probe_in(*group, {open_probe(nodes.null, O_RDWR), open_probe(nodes.disk, O_RDONLY)}) ==
            std::vector<int>{0, EPERM});
    CHECK(first.value()->destroy());
    CHECK(second.value()->destroy());
  }
  check_enforcement([&](const std::string& id, const Limits& limits) {
    auto group = manager->create(id, limits);
    REQUIRE(group);
    return std::move(group).value();
  });
  manager->remove_parent_if_empty();
}
