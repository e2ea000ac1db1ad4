// tag: naming an image, moving a tag, and what tag refuses.
#include <catch2/catch.hpp>

#include "image/store.hpp"
#include "test_support.hpp"

using namespace asup::image;
using namespace asup::image::test;
namespace fs = asup::fs;

namespace {

std::vector<std::string> refs_of(const Store& store, const std::string& name) {
  auto image = store.resolve(name);
  REQUIRE(image);
  return image.value().references;
}

}  // namespace

TEST_CASE("tag names an image by reference, id or id prefix", "[image][tag]") {
  TempDir root;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));
  const std::string id = store->resolve("busybox").value().id;

  auto r = store->tag("busybox", "mine:1");
  REQUIRE(r);
  CHECK(r.value() == "docker.io/library/mine:1");
  CHECK(store->tag(id, "localhost:5000/team/app").value() == "localhost:5000/team/app:latest");
  CHECK(store->tag(id.substr(7, 6), "short").value() == "docker.io/library/short:latest");
  for (const char* name : {"mine:1", "localhost:5000/team/app:latest", "short"}) {
    INFO(name);
    REQUIRE(store->resolve(name));
    CHECK(store->resolve(name).value().id == id);
  }
  CHECK(refs_of(*store, id) == std::vector<std::string>{"docker.io/library/busybox:latest",
                                                        "docker.io/library/mine:1",
                                                        "localhost:5000/team/app:latest",
                                                        "docker.io/library/short:latest"});
  // Tagging again with a tag the image has changes nothing.
  CHECK(store->tag("busybox", "mine:1"));
  CHECK(refs_of(*store, id).size() == 4);

  // The tags survive a restart.
  store.reset();
  store = open_store(root);
  CHECK(store->resolve("mine:1").value().id == id);
  CHECK(refs_of(*store, id).size() == 4);
}

TEST_CASE("a tag moves off the image it named, which may be left dangling", "[image][tag]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));
  REQUIRE(store->load_archive(
      write(work, "o.tar", docker_save({TarBuilder{}.file("o", "1").bytes()}, {"other:1"}))));
  const std::string busybox = store->resolve("busybox").value().id;
  const std::string other = store->resolve("other:1").value().id;

  // other:1 was the only tag of its image: the image stays, untagged.
  REQUIRE(store->tag("busybox", "other:1"));
  CHECK(store->resolve("other:1").value().id == busybox);
  auto dangling = store->resolve(other);
  REQUIRE(dangling);
  CHECK(dangling.value().references.empty());
  CHECK(store->list().size() == 2);

  // busybox:latest is one of two tags: the image keeps the other.
  REQUIRE(store->tag(other, "busybox"));
  CHECK(store->resolve("busybox").value().id == other);
  CHECK(refs_of(*store, busybox) == std::vector<std::string>{"docker.io/library/other:1"});

  store.reset();
  store = open_store(root);
  CHECK(store->resolve("busybox").value().id == other);
  CHECK(store->resolve("other:1").value().id == busybox);
}

TEST_CASE("tag refuses a digest target, a bad target and an unknown source", "[image][tag]") {
  TempDir root;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));
  std::string digest = "sha256:" + std::string(64, 'a');

  auto r = store->tag("busybox", "busybox@" + digest);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "refusing to create a tag with a digest reference: busybox@" + digest);
  r = store->tag("busybox", "Bad Name");
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::StartsWith("invalid reference format"));
  r = store->tag("nosuch", "x:1");
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "No such image: nosuch");
  CHECK(refs_of(*store, "busybox") == std::vector<std::string>{"docker.io/library/busybox:latest"});
}
