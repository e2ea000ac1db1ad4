#include <catch2/catch.hpp>

#include "engine/container.hpp"
#include "engine/run_config.hpp"
#include "engine/storage_config.hpp"

using namespace asup;
using namespace asup::engine;

namespace {

ContainerConfig fresh() {
  ContainerConfig c;
  c.id = std::string(64, 'b');
  c.name = "test";
  return c;
}

std::string error_of(const RunRequest& r, const image::ImageConfig& img = {}) {
  auto c = fresh();
  auto merged = merge_storage(r, img, c);
  return merged ? "" : merged.error().message;
}

}  // namespace

TEST_CASE("merge_storage: -v and --mount become typed mounts, the image's volumes anonymous ones",
          "[storage]") {
  RunRequest r;
  r.volumes = {"/srv/www:/www:ro", "data:/data", "/scratch"};
  r.mounts = {"type=tmpfs,target=/run/t,tmpfs-size=1m", "type=volume,source=cache,target=/cache"};
  image::ImageConfig img;
  img.volumes = {"/data", "/var/lib/app/", "/proc"};
  auto c = fresh();
  REQUIRE(merge_storage(r, img, c));
  REQUIRE(c.volumes.size() == 6);
  CHECK(c.volumes[0].spec.type == volume::MountType::bind);
  CHECK(c.volumes[0].spec.read_only);
  CHECK(c.volumes[0].text == "/srv/www:/www:ro");
  CHECK(c.volumes[1].spec.source == "data");
  CHECK_FALSE(c.volumes[1].anonymous);
  CHECK(c.volumes[2].anonymous);
  CHECK(c.volumes[2].spec.target == "/scratch");
  CHECK(c.volumes[3].spec.type == volume::MountType::tmpfs);
  CHECK(c.volumes[3].origin == MountOrigin::mount_flag);
  CHECK(c.volumes[4].spec.source == "cache");
  // The image's /data is the user's named volume; /proc is never a mount target.
  CHECK(c.volumes[5].origin == MountOrigin::image);
  CHECK(c.volumes[5].spec.target == "/var/lib/app");
  CHECK(c.volumes[5].anonymous);
}

TEST_CASE("storage errors are Docker's", "[storage]") {
  RunRequest r;
  r.volumes = {"/a:/data", "b:/data"};
  CHECK(error_of(r) == "Duplicate mount point: /data");
  r.volumes = {"/a:/b:bad"};
  CHECK(error_of(r) == "invalid mode: bad");
  r.volumes = {};
  r.mounts = {"type=bind,source=/no/such/dir/here,target=/x"};
  CHECK(error_of(r) ==
        "invalid mount config for type \"bind\": bind source path does not exist: "
        "/no/such/dir/here");
  r.mounts = {"type=volume,target=/sys"};
  CHECK(error_of(r).find("invalid mount destination \"/sys\"") != std::string::npos);
}

TEST_CASE("add_volumes_from: the other container's mounts join, the user's own win", "[storage]") {
  CHECK(parse_volumes_from("web").value().container == "web");
  CHECK_FALSE(parse_volumes_from("web").value().read_only);
  CHECK(*parse_volumes_from("web:ro").value().read_only);
  CHECK_FALSE(*parse_volumes_from("web:rw").value().read_only);
  CHECK(parse_volumes_from("web:bad").error().message == "invalid mode: bad");

  auto source = fresh();
  RunRequest sr;
  sr.volumes = {"shared:/shared", "/host:/host", "/anon"};
  sr.mounts = {"type=tmpfs,target=/tmp/t"};
  REQUIRE(merge_storage(sr, {}, source));
  source.volumes[2].spec.source = "f00";  // named when claimed

  auto c = fresh();
  RunRequest r;
  r.volumes = {"mine:/host"};
  image::ImageConfig img;
  img.volumes = {"/anon"};
  REQUIRE(merge_storage(r, img, c));
  add_volumes_from(source, parse_volumes_from("src:ro").value(), c);
  REQUIRE(c.volumes.size() == 3);
  CHECK(c.volumes[0].spec.source == "mine");
  // The image's anonymous /anon is replaced by the source's volume there.
  CHECK(c.volumes[1].spec.source == "f00");
  CHECK(c.volumes[1].origin == MountOrigin::volumes_from);
  CHECK_FALSE(c.volumes[1].anonymous);
  CHECK(c.volumes[1].spec.read_only);
  CHECK(c.volumes[2].spec.source == "shared");
}

TEST_CASE("mounts survive config.json, old bind entries included", "[storage]") {
  auto c = fresh();
  RunRequest r;
  r.volumes = {"/h:/c:ro", "v:/v:nocopy"};
  r.mounts = {"type=tmpfs,target=/t,tmpfs-mode=1770"};
  REQUIRE(merge_storage(r, {}, c));
  c.volumes[1].host_path = "/root/volumes/v/_data";
  auto back = config_from_json(to_json(c));
  CHECK(back.volumes == c.volumes);

  auto old = mounts_from_json(
      nlohmann::json::array({{{"host", "/h"}, {"container", "/c"}, {"ro", true}}}));
  REQUIRE(old.size() == 1);
  CHECK(old[0].spec.type == volume::MountType::bind);
  CHECK(old[0].spec.read_only);
  CHECK(old[0].text == "/h:/c:ro");
}
