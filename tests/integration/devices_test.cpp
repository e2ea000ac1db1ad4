// Device access in containers on this v1 host: a loop device backed by a file the test
// owns stands for the host's disk. By default a container may make a node for it but not
// open it; --device hands it in with the permissions asked for; exec'ed processes are
// under the same rules.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "harness.hpp"
#include "skip.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

constexpr const char* kHeader = "asup-device-test-header";  // 23 bytes at offset 0
constexpr std::size_t kImageSize = 1 << 20;

// A file-backed loop device, detached and its file removed at scope exit, whatever
// happened in between.
class LoopDevice {
 public:
  LoopDevice() {
    char tmpl[] = "/tmp/asup-loop-test.XXXXXX";
    int fd = ::mkstemp(tmpl);
    if (fd < 0) return;
    file_ = tmpl;
    std::string image(kImageSize, '.');
    image.replace(0, std::strlen(kHeader), kHeader);
    bool written = ::write(fd, image.data(), image.size()) == static_cast<ssize_t>(image.size());
    ::close(fd);
    if (!written) return;
    auto r = run_tool({"/usr/sbin/losetup", "-f", "--show", file_});
    if (r.code != 0) {
      error_ = r.err;
      return;
    }
    device_ = trim(r.out);
    struct stat st;
    if (::stat(device_.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) {
      major_ = ::major(st.st_rdev);
      minor_ = ::minor(st.st_rdev);
      mode_ = st.st_mode & 07777;
      gid_ = st.st_gid;
    }
  }
  ~LoopDevice() {
    if (!device_.empty()) run_tool({"/usr/sbin/losetup", "-d", device_});
    if (!file_.empty()) ::unlink(file_.c_str());
  }
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;

  bool ready() const { return !device_.empty() && major_ != 0; }
  const std::string& error() const { return error_; }
  const std::string& device() const { return device_; }
  const std::string& file() const { return file_; }
  unsigned major() const { return major_; }
  unsigned minor() const { return minor_; }
  unsigned mode() const { return mode_; }
  unsigned gid() const { return gid_; }
  std::string numbers() const { return std::to_string(major_) + " " + std::to_string(minor_); }
  // The backing file's bytes, read on the host.
  std::string contents() const { return read_text(file_); }

 private:
  std::string file_, device_, error_;
  unsigned major_ = 0, minor_ = 0, mode_ = 0, gid_ = 0;
};

std::string pristine_image() {
  std::string image(kImageSize, '.');
  image.replace(0, std::strlen(kHeader), kHeader);
  return image;
}

// Reads the first 23 bytes of NODE and writes "X" at offset 100, reporting each outcome.
std::string read_and_write(const std::string& node) {
  return "head -c 23 " + node + "; echo \" read=$?\"; printf X | dd of=" + node +
         " bs=1 seek=100 conv=notrunc,fsync 2>&1; echo \"write=$?\"";
}

std::string hex(unsigned n) {
  std::ostringstream s;
  s << std::hex << n;
  return s.str();
}

std::string octal(unsigned n) {
  std::ostringstream s;
  s << std::oct << n;
  return s.str();
}

}  // namespace

TEST_CASE("a default container can make a node for a host disk but not open it",
          "[integration][devices]") {
  LoopDevice loop;
  if (!loop.ready()) {
    ASUP_SKIP("no loop device: " + loop.error());
  }
  Daemon d;
  auto r =
      d.run({"run", "--rm", "busybox", "sh", "-c",
             "mknod /tmp/l b " + loop.numbers() + " && echo made; " + read_and_write("/tmp/l")});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains("made\n"));  // mknod itself is allowed, as in Docker
  CHECK_THAT(r.out, Contains(" read=1\n"));
  CHECK_THAT(r.out, Contains("write=1\n"));
  CHECK_THAT(r.err, Contains("head: /tmp/l: Operation not permitted"));
  CHECK_THAT(r.out, Contains("Operation not permitted"));  // dd's, through 2>&1
  CHECK_THAT(r.out, !Contains(kHeader));
  CHECK(loop.contents() == pristine_image());
}

TEST_CASE("run --device hands a host disk in, with the permissions asked for",
          "[integration][devices]") {
  LoopDevice loop;
  if (!loop.ready()) {
    ASUP_SKIP("no loop device: " + loop.error());
  }
  Daemon d;

  SECTION("read-write by default, at the same path, a copy of the host's node") {
    auto r =
        d.run({"run", "--rm", "--device", loop.device(), "busybox", "sh", "-c",
               "stat -c '%F %t:%T %a %g' " + loop.device() + "; " + read_and_write(loop.device())});
    INFO(r);
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Contains("block special file " + hex(loop.major()) + ":" + hex(loop.minor()) +
                               " " + octal(loop.mode()) + " " + std::to_string(loop.gid()) + "\n"));
    CHECK_THAT(r.out, Contains(std::string(kHeader) + " read=0\n"));
    CHECK_THAT(r.out, Contains("write=0\n"));
    std::string image = pristine_image();
    image[100] = 'X';
    CHECK(loop.contents() == image);
  }

  SECTION("read-only under another name: reads work, writes do not, exec included") {
    std::string id =
        d.run_detached({"--device", loop.device() + ":/dev/xvda:r", "busybox", "sleep", "1000"});
    REQUIRE(d.wait_status(id, "running"));
    auto devices = d.inspect(id)["HostConfig"]["Devices"];
    INFO(devices.dump());
    REQUIRE(devices.size() == 1);
    CHECK(devices[0]["PathOnHost"] == loop.device());
    CHECK(devices[0]["PathInContainer"] == "/dev/xvda");
    CHECK(devices[0]["CgroupPermissions"] == "r");
    // The kernel's view of the container's device policy.
    auto list = read_text(d.cgroup_dir("devices", id) + "/devices.list");
    CHECK_THAT(list, Contains("b " + std::to_string(loop.major()) + ":" +
                              std::to_string(loop.minor()) + " r\n"));
    CHECK_THAT(list, Contains("c 1:3 rwm\n"));
    CHECK_THAT(list, !Contains("a *:* rwm"));

    auto r = d.run({"exec", id, "sh", "-c", read_and_write("/dev/xvda")});
    INFO(r);
    CHECK_THAT(r.out, Contains(std::string(kHeader) + " read=0\n"));
    CHECK_THAT(r.out, Contains("Operation not permitted"));
    CHECK_THAT(r.out, Contains("write=1\n"));
    CHECK(loop.contents() == pristine_image());
    // The host path itself is not in the container.
    CHECK(d.run({"exec", id, "sh", "-c", "test -e " + loop.device() + "; echo $?"}).out == "1\n");
  }

  SECTION("a directory hands in every device below it") {
    char tmpl[] = "/tmp/asup-devdir-test.XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    std::string dir = tmpl;
    std::string node = dir + "/disk0";
    int made = ::mknod(node.c_str(), S_IFBLK | 0640, ::makedev(loop.major(), loop.minor()));
    auto r = d.run({"run", "--rm", "--device", dir + ":/dev/disks:r", "busybox", "sh", "-c",
                    "stat -c '%a' /dev/disks/disk0; head -c 23 /dev/disks/disk0"});
    ::unlink(node.c_str());
    ::rmdir(dir.c_str());
    REQUIRE(made == 0);
    INFO(r);
    CHECK(r.code == 0);
    CHECK(r.out == "640\n" + std::string(kHeader));
  }
}

TEST_CASE("exec'ed processes are under the container's device rules",
          "[integration][devices][exec]") {
  LoopDevice loop;
  if (!loop.ready()) {
    ASUP_SKIP("no loop device: " + loop.error());
  }
  Daemon d;
  std::string id = d.run_detached({"busybox", "sleep", "1000"});
  REQUIRE(d.wait_status(id, "running"));
  auto r =
      d.run({"exec", id, "sh", "-c",
             "mknod /tmp/e b " + loop.numbers() + " && echo made; " + read_and_write("/tmp/e")});
  INFO(r);
  CHECK_THAT(r.out, Contains("made\n"));
  CHECK_THAT(r.out, Contains(" read=1\n"));
  CHECK_THAT(r.out, Contains("write=1\n"));
  CHECK_THAT(r.err, Contains("Operation not permitted"));
  CHECK(loop.contents() == pristine_image());
}

TEST_CASE("the usual devices still work in a default container", "[integration][devices]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "busybox", "sh", "-c",
                  "echo hi > /dev/null && echo null-ok; "
                  "head -c 5 /dev/zero | wc -c; head -c 7 /dev/urandom | wc -c; "
                  "head -c 3 /dev/random | wc -c; "
                  "echo x > /dev/full 2>/dev/null; echo full=$?"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "null-ok\n5\n7\n3\nfull=1\n");
}

TEST_CASE("device errors are Docker's", "[integration][devices]") {
  Daemon d;
  auto r = d.try_run({"run", "--rm", "--device", "/dev/asup-nonexistent", "busybox", "true"});
  INFO(r);
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("error gathering device information while adding custom device "
                             "\"/dev/asup-nonexistent\": no such file or directory"));
  r = d.try_run({"run", "--rm", "--device", "/etc/hostname", "busybox", "true"});
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("\"/etc/hostname\": not a device node"));
  r = d.try_run({"run", "--rm", "--device", "/dev/null:/dev/n:rx", "busybox", "true"});
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("invalid device mode: rx"));
  r = d.try_run({"run", "--rm", "--device", "/dev/null:n", "busybox", "true"});
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("n is not an absolute path"));
  // Nothing was left behind by the refused starts.
  CHECK(d.run({"ps", "-aq"}).out == "");
}
