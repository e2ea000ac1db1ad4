// Layer extraction: hostile entries, whiteouts, metadata, and integrity checks.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <catch2/catch.hpp>

#include "image/layer_unpack.hpp"
#include "image/store.hpp"
#include "skip.hpp"
#include "test_support.hpp"

using namespace asup::image;
using namespace asup::image::test;
namespace fs = asup::fs;

namespace {

// The store holds nothing and left nothing behind.
void check_store_empty(Store& store, const TempDir& root) {
  store.wait_for_cleanup();
  CHECK(store.list().empty());
  CHECK(entries(root / "image/layers").empty());
  CHECK(entries(root / "image/blobs/sha256").empty());
  CHECK(entries(root / "image/tmp").empty());
  CHECK_FALSE(fs::exists(root / "image/index.json"));
}

// A relative path that climbs from anywhere below /tmp to the absolute path `target`.
std::string climbing_path(const std::string& target) {
  std::string up;
  for (int i = 0; i < 30; ++i) up += "../";
  return up + target.substr(1);
}

std::string xattr_of(const std::string& path, const char* name) {
  char buf[256];
  ssize_t n = ::lgetxattr(path.c_str(), name, buf, sizeof buf);
  return n < 0 ? std::string{} : std::string(buf, static_cast<size_t>(n));
}

}  // namespace

TEST_CASE("hostile layers are refused with the entry named", "[image][layer][security]") {
  TempDir root;
  TempDir work;
  TempDir outside;
  auto store = open_store(root);
  REQUIRE(::mkdir((outside / "dir").c_str(), 0700) == 0);

  struct Case {
    std::string what;
    std::string layer;
    std::string entry;
  };
  std::vector<Case> cases;
  cases.push_back(
      {"dot-dot", TarBuilder{}.file("ok", "1").file("../evil", "x").bytes(), "../evil"});
  std::string climb = climbing_path(outside / "evil");
  cases.push_back({"dot-dot far", TarBuilder{}.file(climb, "x").bytes(), climb});
  cases.push_back(
      {"dot-dot inside", TarBuilder{}.dir("a").file("a/../../evil", "x").bytes(), "a/../../evil"});
  cases.push_back({"absolute", TarBuilder{}.file(outside / "abs", "x").bytes(), outside / "abs"});
  cases.push_back({"write through symlink",
                   TarBuilder{}.symlink("link", outside / "dir").file("link/file", "x").bytes(),
                   "link/file"});
  cases.push_back(
      {"write through relative symlink",
       TarBuilder{}.symlink("link", climbing_path(outside / "dir")).file("link/file", "x").bytes(),
       "link/file"});
  cases.push_back({"directory through symlink",
                   TarBuilder{}.symlink("link", outside / "dir").dir("link/sub").bytes(),
                   "link/sub"});
  cases.push_back(
      {"hard link escaping", TarBuilder{}.hardlink("hl", "../../etc/passwd").bytes(), "hl"});
  cases.push_back({"hard link through symlink",
                   TarBuilder{}.symlink("etc", "/etc").hardlink("hl", "etc/passwd").bytes(), "hl"});
  cases.push_back({"hard link absolute", TarBuilder{}.hardlink("hl", "/etc/passwd").bytes(), "hl"});
  cases.push_back({"bare whiteout", TarBuilder{}.file(".wh.", "").bytes(), ".wh."});

  for (const auto& c : cases) {
    INFO(c.what);
    auto path = write(work, "hostile.tar", docker_save({c.layer}, {"hostile:1"}));
    auto loaded = store->load_archive(path);
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().message, Catch::Contains("entry \"" + c.entry));
    check_store_empty(*store, root);
    CHECK(entries(outside.path()) == std::vector<std::string>{"dir"});
    CHECK(entries(outside / "dir").empty());
    CHECK((lstat_of(outside / "dir").st_mode & 07777) == 0700);
  }
}

TEST_CASE("later entries replace symlinks instead of following them", "[image][layer][security]") {
  TempDir root;
  TempDir work;
  TempDir outside;
  auto store = open_store(root);
  REQUIRE(fs::write_file(outside / "victim", "original", 0600));
  REQUIRE(::mkdir((outside / "dir").c_str(), 0700) == 0);
  std::string layer = TarBuilder{}
                          .symlink("file", outside / "victim")
                          .file("file", "replaced", {.mode = 0666})
                          .symlink("dir", outside / "dir")
                          .dir("dir", {.mode = 0777})
                          .symlink("dev", outside / "victim")
                          .fifo("dev", {.mode = 0666})
                          .bytes();
  REQUIRE(store->load_archive(write(work, "l.tar", docker_save({layer}, {"l"}))));
  auto dir = store->layer_dirs(store->resolve("l").value()).at(0);
  CHECK(S_ISREG(lstat_of(dir + "/file").st_mode));
  CHECK(fs::read_file(dir + "/file").value() == "replaced");
  CHECK(S_ISDIR(lstat_of(dir + "/dir").st_mode));
  CHECK(S_ISFIFO(lstat_of(dir + "/dev").st_mode));
  CHECK(fs::read_file(outside / "victim").value() == "original");
  CHECK((lstat_of(outside / "victim").st_mode & 07777) == 0600);
  CHECK((lstat_of(outside / "dir").st_mode & 07777) == 0700);
}

TEST_CASE("OCI whiteouts become overlayfs whiteouts", "[image][layer][whiteout]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  std::string layer = TarBuilder{}
                          .file(".wh.foo", "")
                          .dir("dir")
                          .file("dir/.wh..wh..opq", "")
                          .file("dir/.wh.bar", "")
                          .file("dir/keep", "k")
                          .file("same", "mine")
                          .file(".wh.same", "")
                          .file("later/.wh..wh..opq", "")
                          .file(".wh..wh.plnk", "")
                          .file(".wh.revived", "")
                          .file("revived/file", "back")
                          .bytes();
  auto loaded = store->load_archive(write(work, "w.tar", docker_save({layer}, {"w"})));
  REQUIRE(loaded);
  auto dir = store->layer_dirs(store->resolve("w").value()).at(0);

  for (const char* name : {"/foo", "/dir/bar"}) {
    INFO(name);
    auto st = lstat_of(dir + name);
    CHECK(S_ISCHR(st.st_mode));
    CHECK(st.st_rdev == ::makedev(0, 0));
  }
  CHECK(fs::read_file(dir + "/dir/keep").value() == "k");
  // A whiteout never hides an entry of its own layer.
  CHECK(fs::read_file(dir + "/same").value() == "mine");
  CHECK(fs::read_file(dir + "/revived/file").value() == "back");
  for (const auto& name : entries(dir)) CHECK(name.rfind(".wh.", 0) != 0);
  for (const auto& name : entries(dir + "/dir")) CHECK(name.rfind(".wh.", 0) != 0);
  // Unprivileged, overlayfs takes the marker from the user namespace ("userxattr").
  const char* opaque = ::geteuid() == 0 ? "trusted.overlay.opaque" : "user.overlay.opaque";
  CHECK(xattr_of(dir + "/dir", opaque) == "y");
  CHECK(xattr_of(dir + "/later", opaque) == "y");
  CHECK(xattr_of(dir, opaque).empty());
}

TEST_CASE("unpacked layers stack in overlayfs with whiteouts applied", "[image][layer][whiteout]") {
  if (::geteuid() != 0) {
    ASUP_SKIP("mounting overlayfs needs root");
  }
  TempDir root;
  TempDir work;
  TempDir mnt;
  auto store = open_store(root);
  std::string bottom = TarBuilder{}
                           .file("gone", "1")
                           .dir("opaque")
                           .file("opaque/old", "1")
                           .dir("partly")
                           .file("partly/gone", "1")
                           .file("partly/kept", "1")
                           .bytes();
  std::string top = TarBuilder{}
                        .file(".wh.gone", "")
                        .dir("opaque")
                        .file("opaque/.wh..wh..opq", "")
                        .file("opaque/new", "2")
                        .file("partly/.wh.gone", "")
                        .bytes();
  REQUIRE(store->load_archive(write(work, "o.tar", docker_save({bottom, top}, {"o"}))));
  auto dirs = store->layer_dirs(store->resolve("o").value());
  REQUIRE(dirs.size() == 2);
  std::string options = "lowerdir=" + dirs[0] + ":" + dirs[1];
  REQUIRE(::mount("overlay", mnt.path().c_str(), "overlay", MS_RDONLY, options.c_str()) == 0);
  auto names = [&](const std::string& sub) { return entries(mnt / sub); };
  CHECK(names("") == std::vector<std::string>{"opaque", "partly"});
  CHECK(names("opaque") == std::vector<std::string>{"new"});
  CHECK(names("partly") == std::vector<std::string>{"kept"});
  REQUIRE(::umount2(mnt.path().c_str(), MNT_DETACH) == 0);
}

TEST_CASE("extraction keeps owners, modes, times, links, devices and xattrs",
          "[image][layer][metadata]") {
  if (::geteuid() != 0) {
    ASUP_SKIP("owners and device nodes need root");
  }
  TempDir work;
  TempDir dest;
  std::string layer = TarBuilder{}
                          .dir("ro", {.mode = 0555, .mtime = 1234567})
                          .file("ro/inside", "data", {.mode = 0640, .uid = 1000, .gid = 2000})
                          .file("suid", "x", {.mode = 06755, .uid = 1234, .gid = 5678})
                          .file("attrs", "x",
                                {.xattrs = {{"user.test", "value"},
                                            {"trusted.overlay.redirect", "/etc"},
                                            {"security.capability",
                                             std::string("\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00"
                                                         "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                                                         20)}}})
                          .hardlink("ro/link", "suid")
                          .chardev("null", 1, 3, {.mode = 0666})
                          .fifo("fifo", {.mode = 0600, .uid = 7})
                          .symlink("sym", "/nowhere")
                          .bytes();
  auto path = write(work, "layer.tar", layer);
  auto unpacked = unpack_layer(path, dest.path());
  REQUIRE(unpacked);
  CHECK(unpacked.value().diff_id == digest_of(layer));
  CHECK(unpacked.value().bytes == 4 + 1 + 1);

  auto ro = lstat_of(dest / "ro");
  CHECK((ro.st_mode & 07777) == 0555);
  CHECK(ro.st_mtime == 1234567);  // set after its children were created
  auto inside = lstat_of(dest / "ro/inside");
  CHECK(inside.st_uid == 1000);
  CHECK(inside.st_gid == 2000);
  CHECK((inside.st_mode & 07777) == 0640);
  auto suid = lstat_of(dest / "suid");
  CHECK((suid.st_mode & 07777) == 06755);  // chown did not strip it
  CHECK(suid.st_uid == 1234);
  CHECK(suid.st_gid == 5678);
  CHECK(suid.st_mtime == 1700000000);
  CHECK(lstat_of(dest / "ro/link").st_ino == suid.st_ino);
  CHECK(xattr_of(dest / "attrs", "user.test") == "value");
  CHECK(xattr_of(dest / "attrs", "trusted.overlay.redirect").empty());
  CHECK(xattr_of(dest / "attrs", "security.capability").size() == 20);
  auto null = lstat_of(dest / "null");
  CHECK(S_ISCHR(null.st_mode));
  CHECK(null.st_rdev == ::makedev(1, 3));
  CHECK((null.st_mode & 07777) == 0666);
  auto fifo = lstat_of(dest / "fifo");
  CHECK(S_ISFIFO(fifo.st_mode));
  CHECK(fifo.st_uid == 7);
  CHECK(S_ISLNK(lstat_of(dest / "sym").st_mode));
}

TEST_CASE("a blob that does not match its digest is refused", "[image][layer][integrity]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  Layer layer = gzip_layer(TarBuilder{}.file("f", "content").bytes());
  Layer other = gzip_layer(TarBuilder{}.file("f", "tampered").bytes());
  auto path = write(work, "bad.tar",
                    oci_layout({layer}, {.annotations = {{"io.containerd.image.name", "bad:1"}},
                                         .replace_blobs = {{digest_of(layer.blob), other.blob}}}));
  auto loaded = store->load_archive(path);
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().message, Catch::Contains(digest_of(layer.blob)));
  CHECK_THAT(loaded.error().message, Catch::Contains("does not match"));
  check_store_empty(*store, root);
}

TEST_CASE("failed loads leave an existing store unchanged", "[image][layer][integrity]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));
  auto index = fs::read_file(root / "image/index.json").value();
  auto layers = entries(root / "image/layers");
  auto blobs = entries(root / "image/blobs/sha256");
  auto check_unchanged = [&] {
    store->wait_for_cleanup();
    CHECK(fs::read_file(root / "image/index.json").value() == index);
    CHECK(entries(root / "image/layers") == layers);
    CHECK(entries(root / "image/blobs/sha256") == blobs);
    CHECK(entries(root / "image/tmp").empty());
  };

  std::string good = TarBuilder{}.file("good", "1").bytes();
  std::string evil = TarBuilder{}.file("../evil", "1").bytes();

  SECTION("the uncompressed digest differs from the config's diff id") {
    std::string config = config_json({digest_of(good), digest_of("something else")});
    auto loaded = store->load_archive(write(
        work, "d.tar", docker_save({good, TarBuilder{}.file("x", "2").bytes()}, {"d"}, config)));
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().message, Catch::Contains("the config says"));
    check_unchanged();
  }
  SECTION("the second layer is hostile: the first, already unpacked, goes too") {
    auto loaded = store->load_archive(write(work, "e.tar", docker_save({good, evil}, {"e"})));
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().message, Catch::Contains("entry \"../evil\""));
    check_unchanged();
  }
  SECTION("a descriptor size that is wrong") {
    auto loaded = store->load_archive(
        write(work, "s.tar", oci_layout({plain_layer(good)}, {.layer_size_delta = 1})));
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().message, Catch::Contains("its descriptor says"));
    check_unchanged();
  }
  SECTION("a layer blob missing from the archive") {
    Layer layer = gzip_layer(good);
    auto loaded = store->load_archive(
        write(work, "m.tar", oci_layout({layer}, {.omit_blobs = {digest_of(layer.blob)}})));
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().message, Catch::Contains("missing from the archive"));
    check_unchanged();
  }
}
