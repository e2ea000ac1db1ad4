#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/stat.h>

#include "launch/launch_spec.hpp"

using namespace asup::launch;

namespace {

LaunchSpec sample_spec() {
  LaunchSpec spec;
  spec.rootfs = "/var/lib/asup/containers/abc/merged";
  MountOp overlay;
  overlay.kind = MountKind::Mount;
  overlay.source = "overlay";
  overlay.target = spec.rootfs;
  overlay.fstype = "overlay";
  overlay.data = "lowerdir=/l1:/l2,upperdir=/u,workdir=/w";
  overlay.host_target = true;
  MountOp dev;
  dev.kind = MountKind::MakeDevice;
  dev.target = "/dev/null";
  dev.mode = S_IFCHR | 0666;
  dev.major = 1;
  dev.minor = 3;
  MountOp disk;
  disk.kind = MountKind::MakeDevice;
  disk.target = "/dev/xvda";
  disk.mode = S_IFBLK | 0660;
  disk.major = 7;
  disk.minor = 0;
  disk.uid = 0xfffffffe;  // the owner survives the u32s
  disk.gid = 6;
  MountOp ro;
  ro.kind = MountKind::ReadOnly;
  ro.target = "/proc/sys";
  ro.flags = MS_RDONLY | (1ULL << 40);  // a high bit survives the u64
  ro.propagation = MS_SLAVE | MS_REC;
  spec.mounts = {overlay, dev, disk, ro};
  spec.hostname = "box";
  spec.argv = {"sh", "-c", "echo 'hi there'", ""};
  spec.env = {"PATH=/usr/bin:/bin", "EMPTY="};
  spec.workdir = "/srv";
  spec.user = "app:staff";
  spec.no_new_privs = false;
  spec.cgroup_procs = {"/sys/fs/cgroup/pids/asup/abc/cgroup.procs"};
  spec.seccomp = false;  // both away from their defaults, so the round trip proves them
  spec.seccomp_program = std::string("\x20\0\0\0\x04\0\0\0", 8);  // embedded NULs survive
  spec.late_cgroup_namespace = true;
  spec.log_size = (1ULL << 33) + 5;      // past 32 bits
  spec.oom_score_adj = -1000;            // negative survives the u32
  spec.capabilities = (1ULL << 40) | 1;  // a high bit survives the u64
  spec.extra_groups = {"audio", "1234"};
  spec.rlimits = {{7, 1024, 2048}, {4, ~0ULL, ~0ULL}};
  spec.sysctls = {"net.ipv4.ip_forward=1", "kernel.shmmax=65536"};
  spec.read_only_root = true;
  spec.domainname = "example.com";
  return spec;
}

}  // namespace

TEST_CASE("launch spec round-trips through encode/decode", "[launch][spec]") {
  LaunchSpec spec = sample_spec();
  auto decoded = decode(encode(spec));
  REQUIRE(decoded);
  CHECK(decoded.value() == spec);

  LaunchSpec exec;
  exec.mode = Mode::Exec;
  exec.argv = {"cat", "/etc/hostname"};
  auto decoded_exec = decode(encode(exec));
  REQUIRE(decoded_exec);
  CHECK(decoded_exec.value() == exec);
  CHECK_FALSE(decoded_exec.value().oom_score_adj);  // unset stays unset: the workload inherits
  CHECK(decoded_exec.value().capabilities == kDockerDefaultCapabilities);
}

TEST_CASE("launch spec decode rejects every truncation", "[launch][spec]") {
  std::string bytes = encode(sample_spec());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode(std::string_view{bytes}.substr(0, n));
    INFO("length " << n);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EINVAL);
    CHECK(r.error().message.rfind("decode launch spec: ", 0) == 0);
  }
}

TEST_CASE("launch spec decode rejects garbage without crashing", "[launch][spec]") {
  CHECK_FALSE(decode(""));
  CHECK_FALSE(decode("not a spec at all"));
  std::string bytes = encode(sample_spec());

  SECTION("bad magic") {
    bytes[0] = 'X';
    auto r = decode(bytes);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("bad magic") != std::string::npos);
  }
  SECTION("unknown version") {
    bytes[4] = 99;
    auto r = decode(bytes);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("unsupported version 99") != std::string::npos);
  }
  SECTION("trailing bytes") {
    bytes += '\0';
    auto r = decode(bytes);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("trailing bytes") != std::string::npos);
  }
  SECTION("a huge count does not allocate") {
    // The mount count follows magic, version, mode and the rootfs string.
    std::size_t at = 4 + 4 + 1 + 4 + sample_spec().rootfs.size();
    for (int i = 0; i < 4; ++i) bytes[at + i] = '\xff';
    auto r = decode(bytes);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("mount count") != std::string::npos);
  }
  SECTION("an embedded NUL is refused") {
    LaunchSpec spec = sample_spec();
    spec.argv[0] = std::string{"s\0h", 3};
    CHECK_FALSE(decode(encode(spec)));
  }
  SECTION("every single-byte corruption decodes or fails cleanly") {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      for (unsigned char v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
        std::string copy = bytes;
        copy[i] = static_cast<char>(v);
        auto r = decode(copy);
        if (!r) CHECK(r.error().code == EINVAL);
      }
    }
  }
}
