// image inspect: Docker's fields, from the store's record and the config document.
#include <catch2/catch.hpp>

#include "image/image_inspect.hpp"
#include "image/store.hpp"
#include "test_support.hpp"

using namespace asup::image;
using namespace asup::image::test;
using nlohmann::json;

TEST_CASE("image inspect shows Docker's fields", "[image][inspect]") {
  TempDir root;
  TempDir work;
  auto opened = Store::open(root.path());
  REQUIRE(opened);
  auto& store = opened.value();
  std::string layer = TarBuilder{}.file("app", "x", {.mode = 0755}).bytes();
  json config{{"architecture", "arm64"},
              {"variant", "v8"},
              {"os", "linux"},
              {"author", "someone"},
              {"created", "2024-01-02T03:04:05.123456789Z"},
              {"config",
               {{"Entrypoint", {"/app"}},
                {"Cmd", {"--serve"}},
                {"Env", {"A=1"}},
                {"WorkingDir", "/srv"},
                {"User", "nobody"},
                {"ExposedPorts", {{"80/tcp", json::object()}}},
                {"StopSignal", "SIGQUIT"},
                {"Labels", {{"org.example", "yes"}}}}},
              {"rootfs", {{"type", "layers"}, {"diff_ids", {digest_of(layer)}}}}};
  REQUIRE(store->load_archive(
      write(work, "a.tar", docker_save({layer}, {"app:1", "example.com/app:2"}, config.dump()))));

  auto details = store->inspect("app:1");
  REQUIRE(details);
  CHECK(json::parse(details.value().config) == config);
  auto j = inspect_json(details.value());
  CHECK(j["Id"] == digest_of(config.dump()));
  CHECK(j["RepoTags"] == json{"app:1", "example.com/app:2"});
  CHECK(j["RepoDigests"] == json::array());
  CHECK(j["Created"] == "2024-01-02T03:04:05.123456789Z");
  CHECK(j["Author"] == "someone");
  CHECK(j["Architecture"] == "arm64");
  CHECK(j["Variant"] == "v8");
  CHECK(j["Os"] == "linux");
  CHECK(j["Size"] == 1);
  CHECK(j["RootFS"] == json{{"Type", "layers"}, {"Layers", {digest_of(layer)}}});
  auto& c = j["Config"];
  CHECK(c["Entrypoint"] == json{"/app"});
  CHECK(c["Cmd"] == json{"--serve"});
  CHECK(c["Env"] == json{"A=1"});
  CHECK(c["WorkingDir"] == "/srv");
  CHECK(c["User"] == "nobody");
  CHECK(c["ExposedPorts"] == json{{"80/tcp", json::object()}});
  CHECK(c["StopSignal"] == "SIGQUIT");
  CHECK(c["Labels"] == json{{"org.example", "yes"}});

  // What an image does not set is null or empty, as Docker shows it.
  REQUIRE(store->load_archive(busybox_tar()));
  auto busybox = inspect_json(store->inspect("busybox").value());
  CHECK(busybox["Config"]["Entrypoint"].is_null());
  CHECK(busybox["Config"]["Cmd"] == json{"sh"});
  CHECK(busybox["Config"]["ExposedPorts"] == json::object());
  CHECK(busybox["Config"]["WorkingDir"] == "");
  CHECK_FALSE(busybox.contains("Variant"));

  auto missing = store->inspect("nosuch");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().describe() == "No such image: nosuch");
}
