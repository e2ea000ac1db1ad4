#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "core/fs.hpp"
#include "skip.hpp"
#include "temp_dir.hpp"
#include "volume/local_options.hpp"
#include "volume/paths.hpp"
#include "volume/store.hpp"

using namespace asup;
using namespace asup::volume;
using asup::volume::test::TempDir;

TEST_CASE("the local driver's options become one mount call", "[volume]") {
  CHECK_FALSE(plan_local_mount({}));
  auto tmpfs = plan_local_mount({{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=64m,noexec"}});
  REQUIRE(tmpfs);
  CHECK(*tmpfs == LocalMount{"tmpfs", "tmpfs", MS_NOEXEC, "size=64m"});
  auto bind = plan_local_mount({{"type", "none"}, {"device", "/srv/x"}, {"o", "bind,ro"}});
  REQUIRE(bind);
  CHECK(bind->bind());
  CHECK(*bind == LocalMount{"/srv/x", "none", MS_BIND | MS_RDONLY, ""});
}

namespace {

// Unmounts whatever a test left mounted on `path`, so a failed check leaks no mount.
struct MountGuard {
  std::string path;
  ~MountGuard() {
    for (;;) {
      auto mounted = is_mount_root(path);
      if (!mounted || !mounted.value() || ::umount2(path.c_str(), MNT_DETACH) != 0) break;
    }
  }
};

}  // namespace

TEST_CASE("a tmpfs volume is mounted on first use, once, and unmounted", "[volume][root]") {
  if (::geteuid() != 0) ASUP_SKIP("mounting a tmpfs needs root");
  TempDir dir;
  auto opened = Store::open(dir.path());
  REQUIRE(opened);
  auto& store = *opened.value();
  auto v = store.create("scratch", {}, {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=1m"}});
  REQUIRE(v);
  MountGuard guard{v.value().mountpoint};
  CHECK_FALSE(is_mount_root(v.value().mountpoint).value());
  REQUIRE(store.mount_if_needed("scratch"));
  CHECK(is_mount_root(v.value().mountpoint).value());
  REQUIRE(store.mount_if_needed("scratch"));  // already mounted: nothing stacked
  REQUIRE(fs::write_file(v.value().mountpoint + "/f", "x"));
  REQUIRE(store.unmount("scratch"));
  CHECK_FALSE(is_mount_root(v.value().mountpoint).value());
  CHECK_FALSE(fs::exists(v.value().mountpoint + "/f"));  // the tmpfs took it along
  // rm unmounts a mounted volume before deleting it.
  REQUIRE(store.mount_if_needed("scratch"));
  REQUIRE(store.remove("scratch", false));
  CHECK_FALSE(fs::exists(dir / "volumes/scratch"));
}

TEST_CASE("a bind-type volume shows the device's directory", "[volume][root]") {
  if (::geteuid() != 0) ASUP_SKIP("bind mounts need root");
  TempDir dir;
  REQUIRE(fs::make_dirs(dir / "host"));
  REQUIRE(fs::write_file(dir / "host/seen", "yes"));
  auto opened = Store::open(dir.path());
  REQUIRE(opened);
  auto& store = *opened.value();
  auto v =
      store.create("hostdir", {}, {{"type", "none"}, {"device", dir / "host"}, {"o", "bind,ro"}});
  REQUIRE(v);
  MountGuard guard{v.value().mountpoint};
  REQUIRE(store.mount_if_needed("hostdir"));
  auto seen = fs::read_file(v.value().mountpoint + "/seen");
  REQUIRE(seen);
  CHECK(seen.value() == "yes");
  CHECK_FALSE(fs::write_file(v.value().mountpoint + "/new", "x"));  // read-only
  REQUIRE(store.remove("hostdir", false));
  CHECK(fs::exists(dir / "host/seen"));  // the device's content is not the volume's
}
