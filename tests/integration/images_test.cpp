// Images: load, import, images, rmi, and what a bad archive does (nothing).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

}  // namespace

TEST_CASE("load prints the image name and images lists it", "[integration][images]") {
  Daemon d(Daemon::Options{.load_busybox = false});
  auto r = d.run({"images", "-q"});
  CHECK(r.code == 0);
  CHECK(r.out == "");
  r = d.run({"run", "--rm", "--pull", "never", "busybox", "true"});
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("No such image"));

  r = d.run({"load", "-i", busybox_tar()}, "", 120);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "Loaded image: busybox:latest\n");

  r = d.run({"images"});
  INFO(r);
  REQUIRE(r.code == 0);
  auto rows = lines(r.out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].rfind("REPOSITORY", 0) == 0);
  CHECK_THAT(rows[0], Contains("TAG"));
  CHECK_THAT(rows[0], Contains("IMAGE ID"));
  CHECK(rows[1].rfind("busybox", 0) == 0);
  CHECK_THAT(rows[1], Contains("latest"));
  auto ids = lines(d.run({"images", "-q"}).out);
  REQUIRE(ids.size() == 1);
  CHECK(is_hex_id(ids[0], 12));

  // Loading the same archive again changes nothing.
  r = d.run({"load", "-i", busybox_tar()}, "", 120);
  CHECK(r.code == 0);
  CHECK(lines(d.run({"images", "-q"}).out) == ids);

  // Loading from stdin works too.
  r = d.run({"load"}, read_text(busybox_tar()), 120);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "Loaded image: busybox:latest\n");

  r = d.run({"run", "--rm", "busybox:latest", "echo", "tagged"});
  CHECK(r.out == "tagged\n");
  r = d.run({"run", "--rm", ids[0], "echo", "by-id"});
  CHECK(r.out == "by-id\n");
}

TEST_CASE("a bad archive is refused and leaves the images as they were",
          "[integration][images][errors]") {
  Daemon d;
  auto before = d.run({"images"}).out;
  std::string bad = d.dir() + "/garbage.tar";
  std::string tar = read_text(busybox_tar());
  REQUIRE(tar.size() > 4096);
  std::vector<std::pair<std::string, std::string>> cases{
      {"garbage", std::string(10000, '\x42')},
      {"empty", ""},
      {"truncated", tar.substr(0, tar.size() / 2)},
      {"text", "this is not a tar archive\n"},
  };
  for (auto& [what, data] : cases) {
    INFO(what);
    write_file(bad, data);
    auto r = d.run({"load", "-i", bad}, "", 60);
    INFO(r);
    CHECK(r.code != 0);
    CHECK(r.err != "");
    CHECK_THAT(r.out, !Contains("Loaded image"));
    CHECK(d.run({"images"}).out == before);
  }
  auto r = d.run({"load", "-i", d.dir() + "/no-such.tar"});
  CHECK(r.code != 0);
  CHECK(r.err != "");
  CHECK(d.run({"images"}).out == before);
  // The store still works after all that.
  r = d.run({"run", "--rm", "busybox", "echo", "fine"});
  CHECK(r.out == "fine\n");
}

TEST_CASE("rmi is refused while a container uses the image, unless -f", "[integration][images]") {
  Daemon d;
  std::string id = d.run_detached({"busybox", "sleep", "1000"});
  std::string exited = d.run_detached({"busybox", "true"});
  REQUIRE(d.wait_status(exited, "exited"));

  auto r = d.run({"rmi", "busybox"});
  INFO(r);
  CHECK(r.code == 1);
  CHECK(r.err.rfind("Error response from daemon: conflict: ", 0) == 0);
  CHECK(lines(d.run({"images", "-q"}).out).size() == 1);

  r = d.run({"rmi", "nosuchimage"});
  INFO(r);
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("No such image"));

  r = d.run({"rmi", "-f", "busybox"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(d.run({"images"}).out, !Contains("busybox"));
  r = d.run({"run", "--rm", "--pull", "never", "busybox", "true"});
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("No such image"));
  // The running container does not notice.
  r = d.run({"exec", id, "echo", "alive"});
  CHECK(r.out == "alive\n");
  r = d.run({"rm", "-f", id, exited});
  CHECK(r.code == 0);

  // With no container left the image goes without -f.
  r = d.run({"load", "-i", busybox_tar()}, "", 120);
  REQUIRE(r.code == 0);
  std::string again = d.run_detached({"busybox", "true"});
  REQUIRE(d.wait_status(again, "exited"));
  CHECK(d.run({"rm", again}).code == 0);
  r = d.run({"rmi", "busybox"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(d.run({"images", "-q"}).out == "");
}

TEST_CASE("import makes an image from a root filesystem tar", "[integration][images]") {
  Daemon d(Daemon::Options{.load_busybox = false});
  std::string rootfs = d.dir() + "/rootfs";
  REQUIRE(::mkdir(rootfs.c_str(), 0755) == 0);
  REQUIRE(::mkdir((rootfs + "/bin").c_str(), 0755) == 0);
  std::string busybox = read_text("/bin/busybox");
  REQUIRE(!busybox.empty());
  write_file(rootfs + "/bin/busybox", busybox);
  ::chmod((rootfs + "/bin/busybox").c_str(), 0755);
  REQUIRE(::symlink("busybox", (rootfs + "/bin/sh").c_str()) == 0);
  write_file(rootfs + "/hello.txt", "from the tar\n");
  std::string tarball = d.dir() + "/rootfs.tar";
  Process tar({"/usr/bin/tar", "-C", rootfs, "-cf", tarball, "."});
  REQUIRE(tar.wait(60));
  REQUIRE(tar.result().code == 0);

  auto r = d.run({"import", tarball, "mine:1"}, "", 120);
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains("sha256:"));
  CHECK_THAT(d.run({"images"}).out, Contains("mine"));
  r = d.run({"run", "--rm", "mine:1", "/bin/sh", "-c", "cat /hello.txt"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "from the tar\n");
}
