// The repo digests an image carries (from pulls): recorded, persisted, resolved, and
// reported by rmi.
#include <catch2/catch.hpp>

#include "image/load_plan.hpp"
#include "image/store.hpp"
#include "test_support.hpp"

using namespace asup::image;
using namespace asup::image::test;
namespace fs = asup::fs;

namespace {

// Installs the busybox archive the way a pull does: staged, planned, then install_pending
// with the repo digests a registry would have given.
std::string install_as_pulled(Store& store, const std::vector<std::string>& repo_digests) {
  auto staging = store.make_staging_dir("pull");
  REQUIRE(staging);
  std::string files = staging.value() + "/files";
  REQUIRE(fs::make_dirs(files, 0700));
  auto archive = StagedArchive::read(busybox_tar(), files);
  REQUIRE(archive);
  auto images = plan_oci_layout(archive.value());
  REQUIRE(images);
  REQUIRE(images.value().size() == 1);
  images.value()[0].repo_digests = repo_digests;
  REQUIRE(store.install_pending(images.value(), staging.value()));
  REQUIRE(fs::remove_tree(staging.value()));
  return images.value()[0].id;
}

}  // namespace

TEST_CASE("repo digests are recorded once, persist, resolve and go with rmi",
          "[image][repo_digests]") {
  TempDir root;
  auto store = open_store(root);
  std::string digest = "sha256:" + std::string(64, 'd');
  std::string repo_digest = "docker.io/library/busybox@" + digest;
  std::string id = install_as_pulled(*store, {repo_digest});
  // A second pull of the same image records nothing new.
  install_as_pulled(*store, {repo_digest});
  CHECK(store->resolve("busybox").value().repo_digests == std::vector<std::string>{repo_digest});

  store.reset();
  store = open_store(root);
  auto image = store->resolve("busybox");
  REQUIRE(image);
  CHECK(image.value().repo_digests == std::vector<std::string>{repo_digest});
  // The registry's manifest digest names the image, though the stored manifest differs.
  CHECK(image.value().manifest_digest != digest);
  auto by_digest = store->resolve("busybox@" + digest);
  REQUIRE(by_digest);
  CHECK(by_digest.value().id == id);

  // Deleting the image untags its digest too, as Docker reports it.
  auto removed = store->remove(id);
  REQUIRE(removed);
  CHECK(removed.value().at(0) == "Untagged: busybox:latest");
  CHECK(removed.value().at(1) == "Untagged: busybox@" + digest);
  CHECK(removed.value().at(2) == "Deleted: " + id);
}

TEST_CASE("an index written before repo digests existed still opens", "[image][repo_digests]") {
  TempDir root;
  {
    auto store = open_store(root);
    REQUIRE(store->load_archive(busybox_tar()));
  }
  std::string path = root / "image/index.json";
  auto doc = nlohmann::json::parse(fs::read_file(path).value());
  for (auto& [id, image] : doc["images"].items()) {
    REQUIRE(image.contains("repo_digests"));
    image.erase("repo_digests");
  }
  REQUIRE(fs::write_file(path, doc.dump()));

  auto store = open_store(root);
  auto image = store->resolve("busybox");
  REQUIRE(image);
  CHECK(image.value().repo_digests.empty());
  // Load and import leave repo digests empty, as Docker does.
  REQUIRE(store->load_archive(busybox_tar()));
  CHECK(store->resolve("busybox").value().repo_digests.empty());
}
