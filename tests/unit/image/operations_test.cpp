#include <catch2/catch.hpp>

#include "image/operations.hpp"
#include "test_support.hpp"

using namespace asup;
using namespace asup::image;
using namespace asup::image::test;

namespace {

std::string import_one(Store& store, const TempDir& work, const std::string& reference) {
  TarBuilder tar{nullptr};
  tar.dir("bin").file("bin/app", "binary " + reference);
  auto id = store.import_rootfs(write(work, reference + ".tar", tar.bytes()), reference);
  REQUIRE(id);
  return id.value();
}

}  // namespace

TEST_CASE("images lists each image with how many containers use it", "[image][operations]") {
  TempDir root, work;
  auto store = open_store(root);
  auto used = import_one(*store, work, "used:1");
  auto idle = import_one(*store, work, "idle:1");
  auto result = list_images(*store, {{used, 2}});
  REQUIRE(result.images.size() == 2);
  for (auto& img : result.images) {
    CHECK(img.containers == (img.id == used ? 2 : 0));
    CHECK(img.references.size() == 1);
  }
  CHECK(api::encode(result)["images"][0].contains("repo_digests"));
}

TEST_CASE("rmi refuses an image a container uses, untags it with force", "[image][operations]") {
  TempDir root, work;
  auto store = open_store(root);
  auto id = import_one(*store, work, "busy:1");
  std::string container(64, 'c');
  auto user_of = [&](const std::string& image_id) -> std::optional<std::string> {
    if (image_id == id) return container;
    return std::nullopt;
  };
  api::RmiRequest request;
  request.images = {"busy:1", "missing:1"};
  auto refused = remove_images(*store, request, user_of);
  REQUIRE(refused.results.size() == 2);
  CHECK(refused.results[0].name == "busy:1");
  CHECK(refused.results[0].error ==
        "conflict: unable to remove repository reference \"busy:1\" (must force) - container "
        "cccccccccccc is using its referenced image " +
            id.substr(7, 12));
  CHECK(refused.results[1].error.value_or("").find("missing:1") != std::string::npos);
  CHECK(store->resolve("busy:1"));

  request.images = {"busy:1"};
  request.force = true;
  auto forced = remove_images(*store, request, user_of);
  REQUIRE(forced.results.size() == 1);
  CHECK_FALSE(forced.results[0].error);
  REQUIRE(forced.results[0].lines);
  CHECK(forced.results[0].lines->at(0) == "Untagged: busy:1");
  // Only untagged: the container's root filesystem stands on the layers.
  CHECK(store->resolve(id));
}

TEST_CASE("image inspect answers what it found and an error per name it did not",
          "[image][operations]") {
  TempDir root, work;
  auto store = open_store(root);
  auto id = import_one(*store, work, "seen:1");
  auto result = inspect_images(*store, {"seen:1", "unseen:1"});
  REQUIRE(result.items.size() == 1);
  CHECK(result.items[0]["Id"] == id);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].find("unseen:1") != std::string::npos);
}
