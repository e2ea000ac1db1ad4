#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "core/fs.hpp"
#include "core/mount_flags.hpp"
#include "core/tree_size.hpp"

using namespace asup;

TEST_CASE("mount(8)'s flag words set and clear MS_ flags", "[core][mount_flags]") {
  std::uint64_t flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  CHECK(mount_flags::apply("exec", flags));
  CHECK(flags == (MS_NOSUID | MS_NODEV));
  CHECK(mount_flags::apply("ro", flags));
  CHECK(mount_flags::apply("relatime", flags));
  CHECK(mount_flags::apply("noatime", flags));
  CHECK(flags == (MS_NOSUID | MS_NODEV | MS_RDONLY | MS_NOATIME));
  CHECK(mount_flags::apply("rbind", flags));
  CHECK((flags & (MS_BIND | MS_REC)) == (MS_BIND | MS_REC));
  // Data of the file system, not a flag: left alone.
  std::uint64_t before = flags;
  CHECK_FALSE(mount_flags::apply("size=64m", flags));
  CHECK_FALSE(mount_flags::apply("", flags));
  CHECK(flags == before);
}

TEST_CASE("tree_size counts files, symlinks and hard links once", "[core][tree_size]") {
  char tmpl[] = "/tmp/asup-tree-XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  std::string dir = tmpl;
  REQUIRE(fs::make_dirs(dir + "/a/b"));
  REQUIRE(fs::write_file(dir + "/a/b/f", std::string(1000, 'x')));
  REQUIRE(fs::write_file(dir + "/g", "12345"));
  REQUIRE(::link((dir + "/g").c_str(), (dir + "/a/g2").c_str()) == 0);
  REQUIRE(::symlink("a/b/f", (dir + "/l").c_str()) == 0);  // 5 bytes
  auto size = fs::tree_size(dir);
  REQUIRE(size);
  CHECK(size.value() == 1000 + 5 + 5);
  CHECK_FALSE(fs::tree_size(dir + "/missing"));
  REQUIRE(fs::remove_tree(dir));
}
