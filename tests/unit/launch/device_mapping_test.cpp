// --device: Docker's syntax and errors, and the host nodes a mapping stands for.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>

#include "core/fs.hpp"
#include "launch/device_mapping.hpp"
#include "launch/mount_plan.hpp"
#include "skip.hpp"

using namespace asup;
using namespace asup::launch;

namespace {

DeviceMapping parsed(const std::string& text) {
  auto r = parse_device(text);
  INFO(text << ": " << (r ? "" : r.error().message));
  REQUIRE(r);
  return r.value();
}

std::string parse_error(const std::string& text) {
  auto r = parse_device(text);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == EINVAL);
  return r.error().message;
}

std::string gather_error(const std::string& host) {
  auto r = gather_devices(DeviceMapping{host, "/dev/x", "rwm"});
  REQUIRE_FALSE(r);
  return r.error().describe();
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/asup-device-test.XXXXXX";
    path_ = ::mkdtemp(tmpl) ? tmpl : "";
    REQUIRE_FALSE(path_.empty());
  }
  ~TempDir() { (void)fs::remove_tree(path_); }
  std::string operator/(const std::string& rel) const { return fs::join(path_, rel); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

TEST_CASE("parse_device follows Docker's HOST[:CONTAINER][:PERMS]", "[launch][devices]") {
  CHECK(parsed("/dev/loop3") == DeviceMapping{"/dev/loop3", "/dev/loop3", "rwm"});
  CHECK(parsed("/dev/loop3:/dev/xvda") == DeviceMapping{"/dev/loop3", "/dev/xvda", "rwm"});
  CHECK(parsed("/dev/loop3:/dev/xvda:r") == DeviceMapping{"/dev/loop3", "/dev/xvda", "r"});
  // A second field that is a mode is the mode.
  CHECK(parsed("/dev/loop3:rw") == DeviceMapping{"/dev/loop3", "/dev/loop3", "rw"});
  CHECK(parsed("/dev/snd:/dev/snd:mrw") == DeviceMapping{"/dev/snd", "/dev/snd", "mrw"});
  // An empty CONTAINER keeps HOST.
  CHECK(parsed("/dev/loop3::w") == DeviceMapping{"/dev/loop3", "/dev/loop3", "w"});
}

TEST_CASE("parse_device errors carry Docker's texts", "[launch][devices]") {
  CHECK(parse_error("") == "invalid device specification: ");
  CHECK(parse_error(":/dev/xvda") == "invalid device specification: :/dev/xvda");
  CHECK(parse_error("/a:/b:r:w") == "invalid device specification: /a:/b:r:w");
  CHECK(parse_error("/dev/loop3:/dev/xvda:rx") == "invalid device mode: rx");
  CHECK(parse_error("/dev/loop3:/dev/xvda:rr") == "invalid device mode: rr");
  CHECK(parse_error("/dev/loop3:/dev/xvda:") == "invalid device mode: ");
  CHECK(parse_error("/dev/loop3:xvda") == "xvda is not an absolute path");
  CHECK(parse_error("loop3") == "loop3 is not an absolute path");
  CHECK(parse_error("/dev/loop3:/") == "invalid device specification: /dev/loop3:/");
}

TEST_CASE("a device node is copied with its numbers, mode and owner", "[launch][devices]") {
  auto nodes = gather_devices(DeviceMapping{"/dev/null", "/dev/./mynull/", "rw"});
  REQUIRE(nodes);
  REQUIRE(nodes.value().size() == 1);
  const auto& n = nodes.value()[0];
  struct stat st;
  REQUIRE(::stat("/dev/null", &st) == 0);
  CHECK(n.path == "/dev/mynull");
  CHECK_FALSE(n.block);
  CHECK(n.major == 1);
  CHECK(n.minor == 3);
  CHECK(n.mode == (st.st_mode & 07777));
  CHECK(n.uid == st.st_uid);
  CHECK(n.gid == st.st_gid);
  CHECK(n.permissions == "rw");
}

TEST_CASE("a link to a device stands for the device", "[launch][devices]") {
  TempDir dir;
  REQUIRE(::symlink("/dev/zero", (dir / "link").c_str()) == 0);
  auto nodes = gather_devices(DeviceMapping{dir / "link", "/dev/z", "r"});
  REQUIRE(nodes);
  REQUIRE(nodes.value().size() == 1);
  CHECK(nodes.value()[0].path == "/dev/z");
  CHECK(nodes.value()[0].major == 1);
  CHECK(nodes.value()[0].minor == 5);
}

TEST_CASE("what is not a device fails with Docker's text", "[launch][devices]") {
  TempDir dir;
  REQUIRE(fs::write_file(dir / "file", "x"));
  REQUIRE(fs::make_dirs(dir / "empty"));
  CHECK(gather_error("/nonexistent/dev") ==
        "error gathering device information while adding custom device \"/nonexistent/dev\": "
        "no such file or directory");
  CHECK(gather_error(dir / "file") ==
        "error gathering device information while adding custom device \"" + dir / "file" +
            "\": not a device node");
  // A directory holding no device is not a device either.
  CHECK(gather_error(dir / "empty") ==
        "error gathering device information while adding custom device \"" + dir / "empty" +
            "\": not a device node");
}

TEST_CASE("a directory stands for every device below it", "[launch][devices][root]") {
  if (::geteuid() != 0) {
    ASUP_SKIP("mknod needs root");
  }
  TempDir dir;
  REQUIRE(fs::make_dirs(dir / "snd/sub"));
  REQUIRE(::mknod((dir / "snd/sub/pcm").c_str(), S_IFCHR | 0660, ::makedev(116, 2)) == 0);
  REQUIRE(::mknod((dir / "snd/disk").c_str(), S_IFBLK | 0640, ::makedev(7, 5)) == 0);
  REQUIRE(fs::write_file(dir / "snd/readme", "not a device"));
  REQUIRE(::symlink("/dev/null", (dir / "snd/link").c_str()) == 0);  // not followed
  REQUIRE(::chown((dir / "snd/disk").c_str(), 0, 6) == 0);

  auto nodes = gather_devices(DeviceMapping{dir / "snd", "/dev/audio", "rw"});
  REQUIRE(nodes);
  REQUIRE(nodes.value().size() == 2);
  const auto& disk = nodes.value()[0];
  CHECK(disk.path == "/dev/audio/disk");
  CHECK(disk.block);
  CHECK(disk.major == 7);
  CHECK(disk.minor == 5);
  CHECK(disk.mode == 0640);
  CHECK(disk.gid == 6);
  const auto& pcm = nodes.value()[1];
  CHECK(pcm.path == "/dev/audio/sub/pcm");
  CHECK_FALSE(pcm.block);
  CHECK(pcm.major == 116);
  CHECK(pcm.minor == 2);
  CHECK(pcm.permissions == "rw");
}

TEST_CASE("device nodes join the mount plan after every mount, as copies of the host's",
          "[launch][devices][plan]") {
  RootfsLayout layout;
  layout.lower_dirs = {"/layers/base"};
  layout.merged_dir = "/c/merged";
  layout.tmpfs = {"/run"};
  DeviceNode disk;
  disk.path = "/dev/xvda";
  disk.block = true;
  disk.major = 7;
  disk.minor = 3;
  disk.mode = 0660;
  disk.gid = 6;
  disk.permissions = "r";
  DeviceNode tty;
  tty.path = "/opt/serial/ttyS0";
  tty.major = 4;
  tty.minor = 64;
  tty.mode = 0620;
  tty.uid = 1000;
  layout.devices = {disk, tty};

  auto ops = build_container_mounts(layout);
  auto at = [&](const std::string& target) {
    for (std::size_t i = 0; i < ops.size(); ++i)
      if (ops[i].kind == MountKind::MakeDevice && ops[i].target == target)
        return static_cast<long>(i);
    return -1L;
  };
  long xvda = at("/dev/xvda"), serial = at("/opt/serial/ttyS0");
  REQUIRE(xvda >= 0);
  REQUIRE(serial == xvda + 1);
  const auto& d = ops[static_cast<std::size_t>(xvda)];
  CHECK(d.mode == (S_IFBLK | 0660));
  CHECK(d.major == 7);
  CHECK(d.minor == 3);
  CHECK(d.uid == 0);
  CHECK(d.gid == 6);
  const auto& t = ops[static_cast<std::size_t>(serial)];
  CHECK(t.mode == (S_IFCHR | 0620));
  CHECK(t.uid == 1000);
  // After the tmpfs mounts, before the masked paths.
  for (std::size_t i = 0; i < static_cast<std::size_t>(xvda); ++i)
    CHECK(ops[i].kind != MountKind::Mask);
  for (std::size_t i = static_cast<std::size_t>(serial) + 1; i < ops.size(); ++i) {
    CHECK(ops[i].kind != MountKind::Mount);
    CHECK(ops[i].kind != MountKind::Bind);
  }
}
