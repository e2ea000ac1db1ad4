#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "image/store.hpp"
#include "test_support.hpp"

using namespace asup::image;
using namespace asup::image::test;
namespace fs = asup::fs;

namespace {

std::string layer_tar(const std::string& marker) {
  return TarBuilder{}
      .dir("etc")
      .file("etc/marker", marker)
      .dir("bin")
      .file("bin/tool", "#!/bin/sh\n", {.mode = 0755})
      .bytes();
}

}  // namespace

TEST_CASE("the busybox image loads and resolves", "[image][load]") {
  TempDir root;
  auto store = open_store(root);
  auto loaded = store->load_archive(busybox_tar());
  REQUIRE(loaded);
  CHECK(loaded.value() == std::vector<std::string>{"docker.io/library/busybox:latest"});

  auto image = store->resolve("busybox");
  REQUIRE(image);
  CHECK(image.value().references == std::vector<std::string>{"docker.io/library/busybox:latest"});
  CHECK(image.value().config.cmd == std::vector<std::string>{"sh"});
  CHECK(image.value().config.env ==
        std::vector<std::string>{
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"});
  CHECK(image.value().diff_ids.size() == 1);
  CHECK(image.value().size > 1000000);  // the busybox binary alone is > 1 MB
  CHECK(is_sha256_digest(image.value().manifest_digest));

  const std::string id = image.value().id;
  const std::string hex = id.substr(7);
  for (const std::string& name :
       {std::string{"busybox:latest"}, std::string{"docker.io/library/busybox:latest"},
        std::string{"docker.io/library/busybox"}, id, hex, hex.substr(0, 12), hex.substr(0, 1),
        "sha256:" + hex.substr(0, 5)}) {
    INFO(name);
    auto r = store->resolve(name);
    REQUIRE(r);
    CHECK(r.value().id == id);
  }
  CHECK(short_id(id) == hex.substr(0, 12));

  for (std::string name : {"busybox:1.0", "alpine", "sha256:0123", "zzz", "BusyBox"}) {
    auto r = store->resolve(name);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "No such image: " + name);
    CHECK(r.error().describe() == "No such image: " + name);  // no errno text appended
  }

  auto dirs = store->layer_dirs(image.value());
  REQUIRE(dirs.size() == 1);
  CHECK(dirs[0] == root / ("image/layers/" + image.value().diff_ids[0].substr(7)));
  CHECK(S_ISLNK(lstat_of(dirs[0] + "/bin/sh").st_mode));
  CHECK(S_ISLNK(lstat_of(dirs[0] + "/usr/bin/awk").st_mode));
  auto busybox = lstat_of(dirs[0] + "/bin/busybox");
  CHECK(S_ISREG(busybox.st_mode));
  CHECK((busybox.st_mode & 07777) == 0755);
  auto passwd = lstat_of(dirs[0] + "/etc/passwd");
  CHECK((passwd.st_mode & 07777) == 0644);
  // mkimage-busybox dates every entry by the busybox binary it packs.
  struct stat host_busybox;
  REQUIRE(::stat("/bin/busybox", &host_busybox) == 0);
  CHECK(passwd.st_mtime == host_busybox.st_mtime);
  if (::geteuid() == 0) CHECK(passwd.st_uid == 0);
  auto content = fs::read_file(dirs[0] + "/etc/passwd");
  REQUIRE(content);
  CHECK(content.value().rfind("root:x:0:0:root:/root:/bin/sh\n", 0) == 0);
  CHECK((lstat_of(dirs[0] + "/tmp").st_mode & 07777) == 01777);
  CHECK((lstat_of(dirs[0] + "/root").st_mode & 07777) == 0700);
  CHECK((lstat_of(dirs[0]).st_mode & 07777) == 0755);
  CHECK(store->layer_size(image.value().diff_ids[0]) == image.value().size);

  // Blobs are all in place, staging is gone.
  CHECK(entries(root / "image/blobs/sha256").size() == 3);
  CHECK(entries(root / "image/tmp").empty());
}

TEST_CASE("loading the same archive twice changes nothing", "[image][load]") {
  TempDir root;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));
  auto index = fs::read_file(root / "image/index.json");
  REQUIRE(index);
  auto layers = entries(root / "image/layers");

  auto again = store->load_archive(busybox_tar());
  REQUIRE(again);
  CHECK(again.value() == std::vector<std::string>{"docker.io/library/busybox:latest"});
  CHECK(store->list().size() == 1);
  CHECK(fs::read_file(root / "image/index.json").value() == index.value());
  CHECK(entries(root / "image/layers") == layers);
  CHECK(entries(root / "image/tmp").empty());
}

TEST_CASE("mkimage-busybox is deterministic", "[image][busybox]") {
  TempDir work;
  std::string again = work / "again.tar";
  std::string cmd = std::string{ASUP_SOURCE_DIR} + "/tools/mkimage-busybox " + again;
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK(fs::read_file(again).value() == fs::read_file(busybox_tar()).value());
}

TEST_CASE("a relative root gives absolute layer directories", "[image][load]") {
  TempDir root;
  std::string cwd = fs::absolute(".");
  REQUIRE(::chdir(root.path().c_str()) == 0);
  auto store = Store::open("relative");
  REQUIRE(::chdir(cwd.c_str()) == 0);
  REQUIRE(store);
  REQUIRE(store.value()->load_archive(busybox_tar()));
  auto dirs = store.value()->layer_dirs(store.value()->resolve("busybox").value());
  CHECK(dirs.at(0).rfind(root / "relative/image/layers/", 0) == 0);
}

TEST_CASE("the index survives a reopen, and a root has one owner", "[image][load]") {
  TempDir root;
  std::string id;
  {
    auto store = open_store(root);
    REQUIRE(store->load_archive(busybox_tar()));
    id = store->resolve("busybox").value().id;
    auto second = Store::open(root.path());
    REQUIRE_FALSE(second);
    CHECK_THAT(second.error().message, Catch::Contains("in use"));
  }
  auto store = open_store(root);
  auto image = store->resolve("busybox");
  REQUIRE(image);
  CHECK(image.value().id == id);
  CHECK(image.value().config.cmd == std::vector<std::string>{"sh"});
  CHECK(store->list().size() == 1);
}

TEST_CASE("a docker save archive loads with its RepoTags", "[image][load]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  std::string bottom = layer_tar("bottom");
  std::string top = TarBuilder{}.dir("etc").file("etc/top", "top").bytes();
  auto path = write(work, "save.tar",
                    docker_save({bottom, top}, {"app:1", "registry.example:5000/team/app:2"}));

  auto loaded = store->load_archive(path);
  REQUIRE(loaded);
  CHECK(loaded.value() ==
        std::vector<std::string>{"docker.io/library/app:1", "registry.example:5000/team/app:2"});
  auto image = store->resolve("app:1");
  REQUIRE(image);
  CHECK(store->resolve("registry.example:5000/team/app:2").value().id == image.value().id);
  CHECK(image.value().id == digest_of(config_json({digest_of(bottom), digest_of(top)})));
  CHECK(image.value().config.working_dir == "/w");
  CHECK(image.value().created == 1704164645);  // 2024-01-02T03:04:05Z
  auto dirs = store->layer_dirs(image.value());
  REQUIRE(dirs.size() == 2);
  CHECK(fs::exists(dirs[0] + "/etc/top"));  // top-most first
  CHECK(fs::exists(dirs[1] + "/etc/marker"));
  CHECK((lstat_of(dirs[1] + "/bin/tool").st_mode & 07777) == 0755);
  CHECK(lstat_of(dirs[1] + "/bin/tool").st_mtime == 1700000000);
  // config, generated manifest, two layer blobs
  CHECK(entries(root / "image/blobs/sha256").size() == 4);
  CHECK(fs::exists(root / ("image/blobs/sha256/" + image.value().manifest_digest.substr(7))));

  // Loading it again is idempotent too: the generated manifest is deterministic.
  auto again = store->load_archive(path);
  REQUIRE(again);
  CHECK(store->resolve("app:1").value().manifest_digest == image.value().manifest_digest);
  CHECK(entries(root / "image/blobs/sha256").size() == 4);
}

TEST_CASE("docker save of Docker 25+ (an OCI layout plus manifest.json)", "[image][load]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  Layer layer = plain_layer(layer_tar("new save"));
  std::string tar = oci_layout(
      {layer}, {.annotations = {{"io.containerd.image.name", "docker.io/library/other:9"}},
                .docker_repo_tags = {"saved:25"}});
  auto loaded = store->load_archive(write(work, "save.tar", tar));
  REQUIRE(loaded);
  // manifest.json's RepoTags win; the layout's manifest keeps its digest.
  CHECK(loaded.value() == std::vector<std::string>{"docker.io/library/saved:25"});
  auto image = store->resolve("saved:25");
  REQUIRE(image);
  CHECK_FALSE(store->resolve("other:9"));
  CHECK(entries(root / "image/blobs/sha256").size() == 3);
  CHECK(fs::exists(root / ("image/blobs/sha256/" + image.value().manifest_digest.substr(7))));
  auto by_digest = store->resolve("saved@" + image.value().manifest_digest);
  REQUIRE(by_digest);
  CHECK(by_digest.value().id == image.value().id);
}

TEST_CASE("docker save with duplicate layers as symlinks, gzip outer tar", "[image][load]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  std::string layer = layer_tar("same");
  std::string config = config_json({digest_of(layer), digest_of(layer)});
  std::string config_name = hex_of(digest_of(config)) + ".json";
  TarBuilder tar{"gzip"};
  tar.file("aaa/layer.tar", layer).symlink("bbb/layer.tar", "../aaa/layer.tar");
  tar.file(config_name, config);
  tar.file("manifest.json",
           nlohmann::json::array({{{"Config", config_name},
                                   {"RepoTags", {"dup:latest"}},
                                   {"Layers", {"aaa/layer.tar", "bbb/layer.tar"}}}})
               .dump());
  auto loaded = store->load_archive(write(work, "save.tar.gz", tar.bytes()));
  REQUIRE(loaded);
  auto image = store->resolve("dup");
  REQUIRE(image);
  CHECK(image.value().diff_ids.size() == 2);
  // One directory: overlayfs refuses the same lower directory twice.
  CHECK(store->layer_dirs(image.value()).size() == 1);
  CHECK(entries(root / "image/layers").size() == 1);
}

TEST_CASE("OCI layouts: names, untagged images, indexes", "[image][load]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  Layer layer = gzip_layer(layer_tar("oci"));

  SECTION("a full reference in org.opencontainers.image.ref.name names the image") {
    auto path = write(work, "a.tar",
                      oci_layout({layer}, {.annotations = {{"org.opencontainers.image.ref.name",
                                                            "example.com/ns/app:v1"}}}));
    auto loaded = store->load_archive(path);
    REQUIRE(loaded);
    CHECK(loaded.value() == std::vector<std::string>{"example.com/ns/app:v1"});
  }
  SECTION("io.containerd.image.name wins over a bare tag") {
    auto path =
        write(work, "a.tar",
              oci_layout({layer}, {.annotations = {{"io.containerd.image.name", "app:2"},
                                                   {"org.opencontainers.image.ref.name", "2"}}}));
    auto loaded = store->load_archive(path);
    REQUIRE(loaded);
    CHECK(loaded.value() == std::vector<std::string>{"docker.io/library/app:2"});
  }
  SECTION("a bare tag leaves the image untagged") {
    auto path = write(
        work, "a.tar",
        oci_layout({layer}, {.annotations = {{"org.opencontainers.image.ref.name", "latest"}}}));
    auto loaded = store->load_archive(path);
    REQUIRE(loaded);
    REQUIRE(loaded.value().size() == 1);
    CHECK(is_sha256_digest(loaded.value()[0]));
    auto image = store->resolve(loaded.value()[0]);
    REQUIRE(image);
    CHECK(image.value().references.empty());
    CHECK_FALSE(store->resolve("latest"));
  }
  SECTION("an image index is resolved to this platform") {
    auto path = write(work, "a.tar",
                      oci_layout({layer}, {.annotations = {{"io.containerd.image.name", "multi:1"}},
                                           .wrap_in_index = true}));
    auto loaded = store->load_archive(path);
    REQUIRE(loaded);
    CHECK(store->resolve("multi:1"));
  }
  SECTION("an index without linux/amd64 is refused") {
    auto path = write(work, "a.tar",
                      oci_layout({layer}, {.annotations = {{"io.containerd.image.name", "arm:1"}},
                                           .wrap_in_index = true,
                                           .index_platform_arch = "arm64"}));
    auto loaded = store->load_archive(path);
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().message, Catch::Contains("no manifest for linux/amd64"));
    CHECK(store->list().empty());
    CHECK(entries(root / "image/layers").empty());
    CHECK(entries(root / "image/tmp").empty());
  }
}

TEST_CASE("a tag moves to the newly loaded image", "[image][load]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  auto first = store->load_archive(write(work, "1.tar", docker_save({layer_tar("1")}, {"app:1"})));
  REQUIRE(first);
  auto old_id = store->resolve("app:1").value().id;
  REQUIRE(store->load_archive(write(work, "2.tar", docker_save({layer_tar("2")}, {"app:1"}))));
  auto now = store->resolve("app:1").value();
  CHECK(now.id != old_id);
  auto old_image = store->resolve(old_id);
  REQUIRE(old_image);
  CHECK(old_image.value().references.empty());
  CHECK(store->list().size() == 2);
}

TEST_CASE("archives that are not images are refused", "[image][load]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  auto path = write(work, "x.tar", TarBuilder{}.file("hello", "world").bytes());
  auto loaded = store->load_archive(path);
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().message, Catch::Contains("load " + path));
  CHECK_THAT(loaded.error().message, Catch::Contains("neither an OCI image layout"));

  auto garbage = write(work, "g.tar", std::string(4096, 'x'));
  CHECK_FALSE(store->load_archive(garbage));
  CHECK_FALSE(store->load_archive(work / "missing.tar"));
  CHECK(entries(root / "image/tmp").empty());
}
