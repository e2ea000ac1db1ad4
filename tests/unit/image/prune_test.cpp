// image prune: which images go (dangling, or all with -a), which stay (in use, tagged),
// and the leftovers no image uses.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "image/store.hpp"
#include "test_support.hpp"

using namespace asup::image;
using namespace asup::image::test;
namespace fs = asup::fs;

namespace {

std::vector<std::string> ids_of(const Store& store) {
  std::vector<std::string> ids;
  for (const auto& image : store.list()) ids.push_back(image.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Three images: busybox (tagged), and two made dangling by moving their tag: `used` (a
// container runs it) and `unused`. `unused` shares a layer with busybox-free `used`.
struct Fixture {
  TempDir root;
  TempDir work;
  std::unique_ptr<Store> store = open_store(root);
  std::string shared = TarBuilder{}.dir("usr").file("usr/shared", std::string(5000, 's')).bytes();
  std::string own = TarBuilder{}.file("own", std::string(3000, 'o')).bytes();
  std::string busybox, used, unused;

  Fixture() {
    REQUIRE(store->load_archive(busybox_tar()));
    busybox = store->resolve("busybox").value().id;
    REQUIRE(store->load_archive(write(work, "u.tar", docker_save({shared}, {"app:1"}))));
    used = store->resolve("app:1").value().id;
    REQUIRE(store->load_archive(write(work, "v.tar", docker_save({shared, own}, {"app:1"}))));
    unused = store->resolve("app:1").value().id;
    REQUIRE(store->tag("busybox", "app:1"));  // `unused` loses its only tag too
  }
};

}  // namespace

TEST_CASE("prune removes dangling images no container uses", "[image][prune]") {
  Fixture f;
  auto& store = f.store;
  REQUIRE(store->resolve(f.unused).value().references.empty());
  REQUIRE(store->resolve(f.used).value().references.empty());
  std::int64_t own_size = store->layer_size(digest_of(f.own));
  REQUIRE(own_size == 3000);

  auto r = store->prune(false, {f.used});
  REQUIRE(r);
  // The shared layer stays: `used` has it.
  CHECK(r.value().lines ==
        std::vector<std::string>{"Deleted: " + f.unused, "Deleted: " + digest_of(f.own)});
  CHECK(ids_of(*store) == sorted({f.busybox, f.used}));
  CHECK(store->resolve("app:1").value().id == f.busybox);
  CHECK(fs::exists(f.root / ("image/layers/" + hex_of(digest_of(f.shared)))));
  CHECK_FALSE(fs::exists(f.root / ("image/layers/" + hex_of(digest_of(f.own)))));
  CHECK_FALSE(fs::exists(f.root / ("image/blobs/sha256/" + hex_of(f.unused))));
  // The layer's unpacked bytes, its blob (the uncompressed tar), config and manifest.
  CHECK(r.value().reclaimed > own_size + static_cast<std::int64_t>(f.own.size()));

  // Nothing more to do: a second prune deletes nothing.
  auto again = store->prune(false, {f.used});
  REQUIRE(again);
  CHECK(again.value().lines.empty());
  CHECK(again.value().reclaimed == 0);

  // Once no container uses it, `used` goes too, and with it the shared layer.
  r = store->prune(false, {});
  REQUIRE(r);
  CHECK(r.value().lines ==
        std::vector<std::string>{"Deleted: " + f.used, "Deleted: " + digest_of(f.shared)});
  CHECK(ids_of(*store) == std::vector<std::string>{f.busybox});
  store->wait_for_cleanup();
  CHECK(entries(f.root / "image/layers").size() == 1);
  CHECK(entries(f.root / "image/tmp").empty());

  // The index says the same after a restart.
  store.reset();
  store = open_store(f.root);
  CHECK(ids_of(*store) == std::vector<std::string>{f.busybox});
}

TEST_CASE("prune -a removes every image no container uses", "[image][prune]") {
  Fixture f;
  auto& store = f.store;
  auto r = f.store->prune(true, {f.used});
  REQUIRE(r);
  auto& lines = r.value().lines;
  CHECK(std::find(lines.begin(), lines.end(), "Untagged: busybox:latest") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "Untagged: app:1") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "Deleted: " + f.busybox) != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "Deleted: " + f.unused) != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "Deleted: " + f.used) == lines.end());
  CHECK(ids_of(*store) == std::vector<std::string>{f.used});
  CHECK_FALSE(store->resolve("busybox"));
  CHECK(r.value().reclaimed > 1000000);  // busybox alone is > 1 MB unpacked

  r = f.store->prune(true, {});
  REQUIRE(r);
  CHECK(store->list().empty());
  store->wait_for_cleanup();
  CHECK(entries(f.root / "image/layers").empty());
  CHECK(entries(f.root / "image/blobs/sha256").empty());
}

TEST_CASE("prune deletes layers and blobs no image uses", "[image][prune]") {
  TempDir root;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));
  // What a crash between unpacking and recording could leave.
  std::string stray_layer = root / ("image/layers/" + std::string(64, 'a'));
  REQUIRE(fs::make_dirs(stray_layer + "/etc"));
  REQUIRE(fs::write_file(stray_layer + "/etc/f", std::string(1000, 'x')));
  std::string stray_blob = root / ("image/blobs/sha256/" + std::string(64, 'b'));
  REQUIRE(fs::write_file(stray_blob, std::string(500, 'y')));
  auto blobs_before = entries(root / "image/blobs/sha256");

  auto r = store->prune(false, {});
  REQUIRE(r);
  CHECK(r.value().lines.empty());  // no image was deleted
  CHECK(r.value().reclaimed == 1500);
  CHECK_FALSE(fs::exists(stray_layer));
  CHECK_FALSE(fs::exists(stray_blob));
  CHECK(entries(root / "image/blobs/sha256").size() == blobs_before.size() - 1);
  auto image = store->resolve("busybox");
  REQUIRE(image);
  CHECK(fs::exists(store->layer_dirs(image.value()).at(0) + "/bin/busybox"));
  store->wait_for_cleanup();
  CHECK(entries(root / "image/tmp").empty());
}
