// An image's HEALTHCHECK: parsed from its config, kept in the store's index across a
// reopen, and shown by image inspect only when the image has one.
#include <catch2/catch.hpp>

#include "image/image_inspect.hpp"
#include "image/store.hpp"
#include "test_support.hpp"

using namespace asup::image;
using namespace asup::image::test;
using nlohmann::json;

TEST_CASE("an image's Healthcheck is parsed, indexed and shown", "[image][healthcheck]") {
  TempDir root;
  TempDir work;
  std::string layer = TarBuilder{}.file("app", "x", {.mode = 0755}).bytes();
  const json check{{"Test", {"CMD-SHELL", "curl -f localhost"}},
                   {"Interval", 2'000'000'000},
                   {"Timeout", 1'000'000'000},
                   {"StartPeriod", 3'000'000'000},
                   {"StartInterval", 500'000'000},
                   {"Retries", 4}};
  json config{{"architecture", "amd64"},
              {"os", "linux"},
              {"config", {{"Cmd", {"/app"}}, {"Healthcheck", check}}},
              {"rootfs", {{"type", "layers"}, {"diff_ids", {digest_of(layer)}}}}};
  const HealthConfig expected{{"CMD-SHELL", "curl -f localhost"},
                              2'000'000'000,
                              1'000'000'000,
                              3'000'000'000,
                              500'000'000,
                              4};
  {
    auto opened = Store::open(root.path());
    REQUIRE(opened);
    auto& store = opened.value();
    REQUIRE(
        store->load_archive(write(work, "a.tar", docker_save({layer}, {"app:1"}, config.dump()))));
    auto details = store->inspect("app:1");
    REQUIRE(details);
    CHECK(details.value().image.config.healthcheck == expected);
    CHECK(inspect_json(details.value())["Config"]["Healthcheck"] == check);
    REQUIRE(store->load_archive(busybox_tar()));
    auto busybox = store->inspect("busybox").value();
    CHECK_FALSE(busybox.image.config.healthcheck);
    CHECK_FALSE(inspect_json(busybox)["Config"].contains("Healthcheck"));
  }
  // The index keeps it: a new store over the same root knows it without the config.
  auto reopened = Store::open(root.path());
  REQUIRE(reopened);
  auto again = reopened.value()->inspect("app:1");
  REQUIRE(again);
  CHECK(again.value().image.config.healthcheck == expected);
}
