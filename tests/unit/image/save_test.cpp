// save: the archive it writes, that load reads it back as the same images, and that a
// failed save leaves nothing behind.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "image/store.hpp"
#include "skip.hpp"
#include "test_support.hpp"

using namespace asup::image;
using namespace asup::image::test;
namespace fs = asup::fs;
using nlohmann::json;

namespace {

std::map<std::string, std::string> tar_files(const std::string& path) {
  std::map<std::string, std::string> out;
  for (auto& [name, content] : read_tar(path)) out[name] = content;
  return out;
}

// Loads `archive` into a fresh store and returns its images.
std::vector<Image> load_elsewhere(const std::string& archive) {
  TempDir root;
  auto store = open_store(root);
  auto loaded = store->load_archive(archive);
  INFO((loaded ? "" : loaded.error().describe()));
  REQUIRE(loaded);
  return store->list();
}

}  // namespace

TEST_CASE("save writes an OCI layout with docker save's manifest.json", "[image][save]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));
  Image image = store->resolve("busybox").value();
  std::string out = work / "busybox.tar";
  auto saved = store->save({"busybox"}, out, false);
  INFO((saved ? "" : saved.error().describe()));
  REQUIRE(saved);
  CHECK((lstat_of(out).st_mode & 0777) == 0644);
  CHECK(entries(work.path()) == std::vector<std::string>{"busybox.tar"});

  auto files = tar_files(out);
  CHECK(json::parse(files.at("oci-layout")) == json{{"imageLayoutVersion", "1.0.0"}});
  auto index = json::parse(files.at("index.json"));
  CHECK(index["schemaVersion"] == 2);
  REQUIRE(index["manifests"].size() == 1);
  auto entry = index["manifests"][0];
  CHECK(entry["digest"] == image.manifest_digest);
  CHECK(entry["mediaType"] == "application/vnd.oci.image.manifest.v1+json");
  CHECK(entry["annotations"]["io.containerd.image.name"] == "docker.io/library/busybox:latest");
  CHECK(entry["annotations"]["org.opencontainers.image.ref.name"] == "latest");

  auto manifest = json::parse(files.at("manifest.json"));
  REQUIRE(manifest.size() == 1);
  CHECK(manifest[0]["Config"] == "blobs/sha256/" + hex_of(image.id));
  CHECK(manifest[0]["RepoTags"] == json{"busybox:latest"});
  REQUIRE(manifest[0]["Layers"].size() == 1);
  // Every blob is there, under its digest, and nothing else is.
  std::string layer_path = manifest[0]["Layers"][0];
  for (const auto& [name, content] : files) {
    if (name.rfind("blobs/sha256/", 0) != 0 || content.empty()) continue;
    CHECK(name == "blobs/sha256/" + sha256_hex(content));
  }
  CHECK(files.count(layer_path));
  CHECK(files.count("blobs/sha256/" + hex_of(image.manifest_digest)));
  CHECK(files.size() == 8);  // 3 documents, 2 directories, manifest, config, layer

  // The same images give the same bytes.
  std::string again = work / "again.tar";
  REQUIRE(store->save({"busybox:latest"}, again, false));
  CHECK(fs::read_file(again).value() == fs::read_file(out).value());
}

TEST_CASE("a saved image loads back as the same image", "[image][save]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));
  // A docker save archive of two layers, one shared with a second image: the generated
  // manifest and uncompressed layers round-trip too.
  std::string shared = TarBuilder{}.dir("usr").file("usr/shared", "s").bytes();
  std::string own = TarBuilder{}.file("own", "1").bytes();
  REQUIRE(store->load_archive(write(work, "a.tar", docker_save({shared, own}, {"a:1", "a:2"}))));
  REQUIRE(store->load_archive(write(work, "b.tar", docker_save({shared}, {"b:1"}))));
  auto before = store->list();

  std::string out = work / "all.tar";
  REQUIRE(store->save({"busybox", "a:1", "a:2", "b:1"}, out, false));
  auto files = tar_files(out);
  // The shared layer is written once.
  CHECK(files.count("blobs/sha256/" + hex_of(digest_of(shared))));
  CHECK(json::parse(files.at("manifest.json")).size() == 3);
  CHECK(json::parse(files.at("index.json"))["manifests"].size() == 4);

  auto after = load_elsewhere(out);
  REQUIRE(after.size() == before.size());
  for (const auto& b : before) {
    auto same = std::find_if(after.begin(), after.end(), [&](auto& a) { return a.id == b.id; });
    REQUIRE(same != after.end());
    CHECK(same->manifest_digest == b.manifest_digest);
    CHECK(same->diff_ids == b.diff_ids);
    CHECK(same->references == b.references);
    CHECK(same->config == b.config);
    CHECK(same->size == b.size);
  }
}

TEST_CASE("what save names: a tag, a repository's tags, an id", "[image][save]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));
  REQUIRE(store->tag("busybox", "busybox:stable"));
  REQUIRE(store->tag("busybox", "other:1"));
  const std::string id = store->resolve("busybox").value().id;
  auto saved_tags = [&](const std::vector<std::string>& names) {
    std::string out = work / "out.tar";
    auto r = store->save(names, out, false);
    INFO((r ? "" : r.error().describe()));
    REQUIRE(r);
    return json::parse(tar_files(out).at("manifest.json"))[0]["RepoTags"];
  };
  CHECK(saved_tags({"busybox:stable"}) == json{"busybox:stable"});
  CHECK(saved_tags({"busybox"}) == json{"busybox:latest", "busybox:stable"});
  CHECK(saved_tags({"other:1", "busybox:stable"}) == json{"other:1", "busybox:stable"});
  CHECK(saved_tags({id.substr(7, 12)}) == json::array());
  CHECK(saved_tags({id}) == json::array());

  // An untagged save loads back untagged, under its id.
  std::string out = work / "id.tar";
  REQUIRE(store->save({id}, out, false));
  auto index = json::parse(tar_files(out).at("index.json"));
  REQUIRE(index["manifests"].size() == 1);
  CHECK_FALSE(index["manifests"][0].contains("annotations"));
  TempDir other;
  auto fresh = open_store(other);
  CHECK(fresh->load_archive(out).value() == std::vector<std::string>{id});
}

TEST_CASE("a failed save leaves nothing, and an existing file as it was", "[image][save]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));

  auto r = store->save({"busybox", "nosuch"}, work / "x.tar", false);
  REQUIRE_FALSE(r);
  CHECK(r.error().describe() == "No such image: nosuch");
  r = store->save({"busybox"}, work / "missing/x.tar", false);
  REQUIRE_FALSE(r);
  CHECK(r.error().describe() ==
        "invalid output path: directory \"" + work / "missing" + "\" does not exist");
  r = store->save({"busybox"}, work.path(), false);
  REQUIRE_FALSE(r);
  CHECK(r.error().describe() == "invalid output path: \"" + work.path() + "\" is a directory");
  CHECK(entries(work.path()).empty());

  // Out of space half-way (a small tmpfs): the old file stays, no temp file remains.
  if (::geteuid() != 0) {
    ASUP_SKIP("mounting a tmpfs needs root");
  }
  std::string small = work / "small";
  REQUIRE(::mkdir(small.c_str(), 0755) == 0);
  REQUIRE(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=256k") == 0);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{small};
  REQUIRE(fs::write_file(small + "/busybox.tar", "old"));
  r = store->save({"busybox"}, small + "/busybox.tar", false);
  REQUIRE_FALSE(r);
  CHECK(r.error().describe() == "write " + small + "/busybox.tar: No space left on device");
  CHECK(entries(small) == std::vector<std::string>{"busybox.tar"});
  CHECK(fs::read_file(small + "/busybox.tar").value() == "old");
}

TEST_CASE("save in place appends to what is there", "[image][save]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));
  std::string out = work / "out.tar";
  REQUIRE(store->save({"busybox"}, out, false));
  std::string whole = fs::read_file(out).value();
  std::string stream = work / "stream";
  REQUIRE(fs::write_file(stream, ""));
  REQUIRE(store->save({"busybox"}, stream, true));
  CHECK(fs::read_file(stream).value() == whole);
  CHECK_FALSE(store->save({"busybox"}, work / "no-such-file", true));
}

TEST_CASE("rmi during saves never yields a broken archive", "[image][save][concurrency]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  REQUIRE(store->load_archive(busybox_tar()));
  const std::string id = store->resolve("busybox").value().id;
  std::atomic<bool> done{false};
  std::thread churn([&] {
    for (int i = 0; i < 6; ++i) {
      CHECK(store->remove("busybox"));
      CHECK(store->load_archive(busybox_tar()));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let saves start
    }
    done = true;
  });
  int saved = 0;
  for (int i = 0; !done; ++i) {
    std::string out = work / ("s" + std::to_string(i % 3) + ".tar");
    auto r = store->save({id}, out, false);
    if (!r) {
      CHECK(r.error().describe() == "No such image: " + id);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    ++saved;
    auto images = load_elsewhere(out);
    REQUIRE(images.size() == 1);
    CHECK(images[0].id == id);
  }
  churn.join();
  INFO(saved << " saves succeeded");
  CHECK(saved > 0);
  CHECK(store->save({id}, work / "last.tar", false));
}
