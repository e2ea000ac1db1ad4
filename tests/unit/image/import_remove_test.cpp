#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "image/store.hpp"
#include "test_support.hpp"

using namespace asup::image;
using namespace asup::image::test;
namespace fs = asup::fs;

namespace {

std::string rootfs_tar(const char* filter = nullptr) {
  TarBuilder tar{filter};
  tar.dir("bin").file("bin/app", "binary", {.mode = 04755}).symlink("bin/sh", "app");
  return tar.bytes();
}

}  // namespace

TEST_CASE("import turns a root filesystem tar into a one-layer image", "[image][import]") {
  for (const char* filter : {static_cast<const char*>(nullptr), "gzip", "zstd", "xz"}) {
    INFO((filter ? filter : "plain"));
    TempDir root;
    TempDir work;
    auto store = open_store(root);
    auto path = write(work, "rootfs.tar", rootfs_tar(filter));
    auto id = store->import_rootfs(path, "imported:v1");
    REQUIRE(id);

    auto image = store->resolve("imported:v1");
    REQUIRE(image);
    CHECK(image.value().id == id.value());
    CHECK(image.value().references == std::vector<std::string>{"docker.io/library/imported:v1"});
    CHECK(image.value().config.cmd.empty());
    CHECK(image.value().created > 1700000000);
    // The diff id is the digest of the uncompressed tar, which is kept as the layer blob.
    std::string uncompressed = rootfs_tar();
    REQUIRE(image.value().diff_ids == std::vector<std::string>{digest_of(uncompressed)});
    auto blob = fs::read_file(root / ("image/blobs/sha256/" + hex_of(digest_of(uncompressed))));
    REQUIRE(blob);
    CHECK(blob.value() == uncompressed);

    auto config = fs::read_file(root / ("image/blobs/sha256/" + hex_of(id.value())));
    REQUIRE(config);
    auto json = nlohmann::json::parse(config.value());
    CHECK(json["architecture"] == "amd64");
    CHECK(json["os"] == "linux");
    CHECK(json["rootfs"]["diff_ids"][0] == digest_of(uncompressed));
    auto manifest =
        fs::read_file(root / ("image/blobs/sha256/" + hex_of(image.value().manifest_digest)));
    REQUIRE(manifest);
    CHECK(nlohmann::json::parse(manifest.value())["mediaType"] ==
          "application/vnd.oci.image.manifest.v1+json");

    auto dir = store->layer_dirs(image.value()).at(0);
    auto app = lstat_of(dir + "/bin/app");
    CHECK((app.st_mode & 07777) == 04755);
    CHECK(S_ISLNK(lstat_of(dir + "/bin/sh").st_mode));
    CHECK(entries(root / "image/tmp").empty());
  }
}

TEST_CASE("import checks its reference and its input", "[image][import]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  auto path = write(work, "rootfs.tar", rootfs_tar());
  auto bad = store->import_rootfs(path, "Bad Name");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("invalid reference format"));
  auto digest = store->import_rootfs(path, "x@sha256:" + std::string(64, 'a'));
  CHECK_FALSE(digest);
  auto garbage = store->import_rootfs(write(work, "g", std::string(2048, 'z')), "x");
  REQUIRE_FALSE(garbage);
  CHECK_THAT(garbage.error().message, Catch::Contains("import "));
  CHECK(store->list().empty());
  CHECK(entries(root / "image/layers").empty());
  CHECK(entries(root / "image/tmp").empty());

  auto untagged = store->import_rootfs(path, "");
  REQUIRE(untagged);
  CHECK(store->resolve(untagged.value()).value().references.empty());
}

TEST_CASE("rmi untags, then deletes the image, its blobs and layers", "[image][remove]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));
  auto image = store->resolve("busybox").value();
  auto layer = store->layer_dirs(image).at(0);

  auto removed = store->remove("busybox");
  REQUIRE(removed);
  CHECK(removed.value() == std::vector<std::string>{"Untagged: busybox:latest",
                                                    "Deleted: " + image.id,
                                                    "Deleted: " + image.diff_ids[0]});
  CHECK_FALSE(fs::exists(layer));
  CHECK(entries(root / "image/blobs/sha256").empty());
  CHECK(store->list().empty());
  auto gone = store->resolve("busybox");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().message == "No such image: busybox");
  store->wait_for_cleanup();
  CHECK(entries(root / "image/tmp").empty());
  CHECK(entries(root / "image/layers").empty());

  auto again = store->remove("busybox");
  REQUIRE_FALSE(again);
  CHECK(again.error().message == "No such image: busybox");
}

TEST_CASE("rmi by reference keeps an image other references still name", "[image][remove]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  std::string layer = TarBuilder{}.file("f", "x").bytes();
  REQUIRE(store->load_archive(write(work, "s.tar", docker_save({layer}, {"a:1", "b:1"}))));
  auto image = store->resolve("a:1").value();

  SECTION("untag one, then the last") {
    auto r = store->remove("a:1");
    REQUIRE(r);
    CHECK(r.value() == std::vector<std::string>{"Untagged: a:1"});
    CHECK(store->resolve(image.id).value().references ==
          std::vector<std::string>{"docker.io/library/b:1"});
    CHECK(fs::exists(store->layer_dirs(image).at(0)));
    auto last = store->remove("b:1");
    REQUIRE(last);
    CHECK(last.value().size() == 3);
    CHECK(store->list().empty());
  }
  SECTION("by id: several repositories need force") {
    auto r = store->remove(image.id.substr(7, 6));
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "conflict: unable to delete " + short_id(image.id) +
                                   " (must be forced) - image is referenced in multiple "
                                   "repositories");
    CHECK(store->resolve("a:1"));
    auto forced = store->remove(image.id, true);
    REQUIRE(forced);
    CHECK(forced.value().front() == "Untagged: a:1");
    CHECK(forced.value()[1] == "Untagged: b:1");
    CHECK(forced.value()[2] == "Deleted: " + image.id);
    CHECK(store->list().empty());
    CHECK(entries(root / "image/blobs/sha256").empty());
    CHECK(entries(root / "image/layers").empty());
  }
  store->wait_for_cleanup();
  CHECK(entries(root / "image/tmp").empty());
}

TEST_CASE("rmi by id of an image tagged in one repository deletes it", "[image][remove]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  std::string layer = TarBuilder{}.file("f", "x").bytes();
  REQUIRE(store->load_archive(write(work, "s.tar", docker_save({layer}, {"a:1", "a:2"}))));
  auto image = store->resolve("a:2").value();
  auto r = store->remove(image.id.substr(7));
  REQUIRE(r);
  CHECK(r.value().size() == 4);  // two untags, the image, the layer
  CHECK(store->list().empty());
}

TEST_CASE("rmi keeps layers and blobs that another image uses", "[image][remove]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  std::string shared = TarBuilder{}.file("shared", "s").bytes();
  std::string own1 = TarBuilder{}.file("one", "1").bytes();
  std::string own2 = TarBuilder{}.file("two", "2").bytes();
  REQUIRE(store->load_archive(write(work, "1.tar", docker_save({shared, own1}, {"one"}))));
  REQUIRE(store->load_archive(write(work, "2.tar", docker_save({shared, own2}, {"two"}))));
  CHECK(entries(root / "image/layers").size() == 3);

  auto one = store->resolve("one").value();
  REQUIRE(store->remove("one"));
  store->wait_for_cleanup();
  auto layers = entries(root / "image/layers");
  CHECK(layers == std::vector<std::string>{hex_of(digest_of(shared)) < hex_of(digest_of(own2))
                                               ? hex_of(digest_of(shared))
                                               : hex_of(digest_of(own2)),
                                           hex_of(digest_of(shared)) < hex_of(digest_of(own2))
                                               ? hex_of(digest_of(own2))
                                               : hex_of(digest_of(shared))});
  CHECK(fs::exists(root / ("image/blobs/sha256/" + hex_of(digest_of(shared)))));
  CHECK_FALSE(fs::exists(root / ("image/blobs/sha256/" + hex_of(digest_of(own1)))));
  CHECK_FALSE(fs::exists(root / ("image/blobs/sha256/" + hex_of(one.id))));
  auto two = store->resolve("two");
  REQUIRE(two);
  for (const auto& dir : store->layer_dirs(two.value())) CHECK(fs::is_directory(dir));
  CHECK(entries(root / "image/tmp").empty());
}

TEST_CASE("resolve refuses an ambiguous id prefix", "[image][remove]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  // Enough images that two ids share a first hex digit (pigeonhole: 17 > 16).
  for (int i = 0; i < 17; ++i) {
    std::string layer = TarBuilder{}.file("f", std::to_string(i)).bytes();
    REQUIRE(store->load_archive(write(work, std::to_string(i) + ".tar",
                                      docker_save({layer}, {"img:" + std::to_string(i)}))));
  }
  std::map<char, int> first_digits;
  for (const auto& image : store->list()) ++first_digits[image.id[7]];
  auto shared = std::find_if(first_digits.begin(), first_digits.end(),
                             [](const auto& kv) { return kv.second > 1; });
  REQUIRE(shared != first_digits.end());
  auto r = store->resolve(std::string(1, shared->first));
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("multiple images"));
}
