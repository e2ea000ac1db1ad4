#include "volume/populate.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "core/fs.hpp"
#include "skip.hpp"
#include "temp_dir.hpp"

using namespace asup;
using namespace asup::volume;
using asup::volume::test::TempDir;

namespace {

void write(const std::string& path, const std::string& data, mode_t mode = 0644) {
  REQUIRE(fs::make_dirs(path.substr(0, path.rfind('/'))));
  REQUIRE(fs::write_file(path, data, mode));
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

std::string read(const std::string& path) {
  auto r = fs::read_file(path);
  return r ? r.value() : "<missing>";
}

mode_t mode_of(const std::string& path) {
  struct stat st;
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// A whiteout as the layer store writes it: a character device 0/0 (needs CAP_MKNOD).
bool make_whiteout(const std::string& path) {
  return ::mknod(path.c_str(), S_IFCHR, ::makedev(0, 0)) == 0;
}

}  // namespace

TEST_CASE("populate copies files, dirs, symlinks, hard links with modes and times", "[volume]") {
  TempDir dir;
  write(dir / "img/etc/conf", "a=1\n", 0640);
  write(dir / "img/bin/tool", "#!/bin/sh\n", 0755);
  REQUIRE(::symlink("../etc/conf", (dir / "img/bin/link").c_str()) == 0);
  REQUIRE(::link((dir / "img/bin/tool").c_str(), (dir / "img/bin/tool2").c_str()) == 0);
  REQUIRE(::mkfifo((dir / "img/fifo").c_str(), 0600) == 0);
  REQUIRE(::chmod((dir / "img").c_str(), 0750) == 0);
  struct timespec times[2] = {{1000, 0}, {1700000000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, (dir / "img/etc/conf").c_str(), times, 0) == 0);
  REQUIRE(fs::make_dirs(dir / "vol"));

  REQUIRE(populate_from(dir / "img", dir / "vol"));
  CHECK(read(dir / "vol/etc/conf") == "a=1\n");
  CHECK(mode_of(dir / "vol/etc/conf") == 0640);
  CHECK(mode_of(dir / "vol/bin/tool") == 0755);
  CHECK(mode_of(dir / "vol") == 0750);
  CHECK(read(dir / "vol/bin/link") == "a=1\n");
  struct stat a, b, conf;
  REQUIRE(::stat((dir / "vol/bin/tool").c_str(), &a) == 0);
  REQUIRE(::stat((dir / "vol/bin/tool2").c_str(), &b) == 0);
  CHECK(a.st_ino == b.st_ino);
  REQUIRE(::stat((dir / "vol/etc/conf").c_str(), &conf) == 0);
  CHECK(conf.st_mtim.tv_sec == 1700000000);
  struct stat fifo;
  REQUIRE(::lstat((dir / "vol/fifo").c_str(), &fifo) == 0);
  CHECK(S_ISFIFO(fifo.st_mode));
}

TEST_CASE("populate leaves a volume that has content alone", "[volume]") {
  TempDir dir;
  write(dir / "img/f", "image");
  write(dir / "vol/mine", "kept");
  REQUIRE(populate_from(dir / "img", dir / "vol"));
  CHECK(read(dir / "vol/mine") == "kept");
  CHECK_FALSE(fs::exists(dir / "vol/f"));
  // A path the image does not have: nothing to copy, no error.
  REQUIRE(fs::make_dirs(dir / "empty"));
  REQUIRE(populate_from(dir / "img/none", dir / "empty"));
  CHECK(fs::list_dir(dir / "empty").value().empty());
}

TEST_CASE("populate from layers merges them as overlayfs does", "[volume]") {
  TempDir dir;
  // Bottom layer: the path with three files and a directory.
  write(dir / "l1/data/keep", "bottom");
  write(dir / "l1/data/over", "bottom");
  write(dir / "l1/data/gone", "bottom");
  write(dir / "l1/data/sub/old", "bottom");
  // Top layer: replaces one file, adds one, whites one out, and makes sub opaque.
  write(dir / "l2/data/over", "top");
  write(dir / "l2/data/new", "top");
  write(dir / "l2/data/sub/fresh", "top");
  bool whiteouts = make_whiteout(dir / "l2/data/gone");
  bool opaque =
      ::setxattr((dir / "l2/data/sub").c_str(), "trusted.overlay.opaque", "y", 1, 0) == 0 ||
      ::setxattr((dir / "l2/data/sub").c_str(), "user.overlay.opaque", "y", 1, 0) == 0;
  REQUIRE(fs::make_dirs(dir / "vol"));

  REQUIRE(populate_from_layers({dir / "l2", dir / "l1"}, "/data", dir / "vol"));
  CHECK(read(dir / "vol/keep") == "bottom");
  CHECK(read(dir / "vol/over") == "top");
  CHECK(read(dir / "vol/new") == "top");
  CHECK(read(dir / "vol/sub/fresh") == "top");
  if (!whiteouts || !opaque) ASUP_SKIP("whiteouts need CAP_MKNOD, opaque dirs an xattr");
  CHECK_FALSE(fs::exists(dir / "vol/gone"));
  CHECK_FALSE(fs::exists(dir / "vol/sub/old"));
}

TEST_CASE("populate from layers follows symlinks inside the image only", "[volume]") {
  TempDir dir;
  write(dir / "l1/run/pid", "1");
  write(dir / "outside/secret", "host");
  REQUIRE(fs::make_dirs(dir / "l2/var"));
  // /var/run -> ../run (relative) and /opt -> /run (absolute, the image's root).
  REQUIRE(::symlink("../run", (dir / "l2/var/run").c_str()) == 0);
  REQUIRE(::symlink("/run", (dir / "l2/opt").c_str()) == 0);
  REQUIRE(::symlink("../../../outside", (dir / "l2/escape").c_str()) == 0);
  for (const char* path : {"/var/run", "/opt"}) {
    TempDir vol;
    REQUIRE(populate_from_layers({dir / "l2", dir / "l1"}, path, vol.path()));
    CHECK(read(vol / "pid") == "1");
  }
  TempDir vol;
  REQUIRE(populate_from_layers({dir / "l2", dir / "l1"}, "/escape", vol.path()));
  CHECK(fs::list_dir(vol.path()).value().empty());
}

TEST_CASE("a whited-out path in the image has nothing to copy", "[volume]") {
  TempDir dir;
  write(dir / "l1/data/f", "bottom");
  REQUIRE(fs::make_dirs(dir / "l2"));
  if (!make_whiteout(dir / "l2/data")) ASUP_SKIP("whiteouts need CAP_MKNOD");
  REQUIRE(fs::make_dirs(dir / "vol"));
  REQUIRE(populate_from_layers({dir / "l2", dir / "l1"}, "/data", dir / "vol"));
  CHECK(fs::list_dir(dir / "vol").value().empty());
}
