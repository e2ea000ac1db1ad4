#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/fs.hpp"
#include "launch/init_layer.hpp"

using namespace asup;

TEST_CASE("the init layer holds every mount target and is made once", "[launch][rootfs]") {
  char tmpl[] = "/tmp/asup-init-layer.XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string parent = tmpl;

  auto made = launch::ensure_init_layer(parent);
  REQUIRE(made);
  const std::string& dir = made.value();
  CHECK(dir == parent + "/init-layer");
  for (const char* f : {"etc/hostname", "etc/hosts", "etc/resolv.conf"}) {
    struct stat st;
    REQUIRE(::stat(fs::join(dir, f).c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK(st.st_size == 0);
  }
  for (const char* d : {"etc", "proc", "sys", "dev"}) {
    struct stat st;
    REQUIRE(::stat(fs::join(dir, d).c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
  }
  CHECK_FALSE(fs::exists(dir + ".tmp"));

  // A second asupd start finds it and leaves it alone; a staging dir a crash left is
  // replaced whole.
  REQUIRE(fs::write_file(fs::join(dir, "etc/hosts"), "kept\n"));
  auto again = launch::ensure_init_layer(parent);
  REQUIRE(again);
  CHECK(fs::read_file(fs::join(dir, "etc/hosts")).value() == "kept\n");
  REQUIRE(fs::remove_tree(dir));
  REQUIRE(fs::make_dirs(dir + ".tmp/half"));
  REQUIRE(launch::ensure_init_layer(parent));
  CHECK(fs::exists(fs::join(dir, "etc/resolv.conf")));
  CHECK_FALSE(fs::exists(fs::join(dir, "half")));
  REQUIRE(fs::remove_tree(parent));
}
