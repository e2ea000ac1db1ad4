// The image commands Docker users reach for: tag, save (read back by load and by skopeo),
// image inspect, image prune, and the listing flags of images.
#include <sys/mount.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;
using Catch::StartsWith;
using nlohmann::json;

namespace {

void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// Runs a host program; requires it to succeed and returns its stdout.
std::string host(const std::vector<std::string>& argv) {
  Process p(argv);
  REQUIRE(p.wait(120));
  Result r = p.result();
  INFO(r);
  REQUIRE(r.code == 0);
  return r.out;
}

// A root filesystem tar with busybox as /bin/sh and `marker` in /marker (a different
// marker, a different image).
std::string rootfs_tar(const Daemon& d, const std::string& marker) {
  std::string dir = d.dir() + "/rootfs-" + marker;
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  REQUIRE(::mkdir((dir + "/bin").c_str(), 0755) == 0);
  write_file(dir + "/bin/busybox", read_text("/bin/busybox"));
  REQUIRE(::chmod((dir + "/bin/busybox").c_str(), 0755) == 0);
  REQUIRE(::symlink("busybox", (dir + "/bin/sh").c_str()) == 0);
  write_file(dir + "/marker", marker + "\n");
  std::string tar = dir + ".tar";
  host({"/usr/bin/tar", "-C", dir, "-cf", tar, "."});
  return tar;
}

std::string import_image(Daemon& d, const std::string& marker, const std::string& reference) {
  auto r = d.run({"import", rootfs_tar(d, marker), reference}, "", 120);
  INFO(r);
  REQUIRE(r.code == 0);
  return trim(r.out);
}

std::string full_id(Daemon& d, const std::string& name) {
  auto r = d.run({"image", "inspect", name});
  INFO(r);
  REQUIRE(r.code == 0);
  return json::parse(r.out).at(0).at("Id").get<std::string>();
}

std::vector<std::string> files_in(const std::string& dir) {
  auto r = lines(host({"/usr/bin/ls", "-A", dir}));
  return r;
}

// The manifest.json of a saved archive.
json saved_manifest(const std::string& archive) {
  return json::parse(host({"/usr/bin/tar", "-xOf", archive, "manifest.json"}));
}

}  // namespace

TEST_CASE("tag names an image for run and images, and a moved tag leaves its image dangling",
          "[integration][images][tag]") {
  Daemon d;
  std::string id = full_id(d, "busybox");
  auto r = d.run({"tag", "busybox", "mybox:1"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "");
  CHECK(r.err == "");
  r = d.run({"tag", id.substr(7, 12), "localhost:5000/team/app"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(full_id(d, "mybox:1") == id);
  CHECK(full_id(d, "localhost:5000/team/app:latest") == id);

  r = d.run({"run", "--rm", "mybox:1", "echo", "tagged"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "tagged\n");
  r = d.run({"images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"});
  CHECK(lines(r.out) == std::vector<std::string>{
                            "busybox:latest " + id.substr(7, 12), "mybox:1 " + id.substr(7, 12),
                            "localhost:5000/team/app:latest " + id.substr(7, 12)});

  // Moving app:1 from the imported image to busybox leaves the imported one untagged.
  std::string imported = import_image(d, "one", "app:1");
  r = d.run({"image", "tag", "busybox", "app:1"});
  CHECK(r.code == 0);
  CHECK(full_id(d, "app:1") == id);
  r = d.run({"images", "--no-trunc", "--format", "{{.Repository}} {{.Tag}} {{.ID}}"});
  CHECK_THAT(r.out, Contains("<none> <none> " + imported + "\n"));
  r = d.run({"run", "--rm", imported.substr(7, 12), "/bin/busybox", "cat", "/marker"});
  CHECK(r.out == "one\n");
}

TEST_CASE("save, rmi, load: the image comes back and runs", "[integration][images][save]") {
  Daemon d;
  std::string id = full_id(d, "busybox");
  std::string file = d.dir() + "/out/busybox.tar";
  REQUIRE(::mkdir((d.dir() + "/out").c_str(), 0755) == 0);
  auto r = d.run({"save", "-o", file, "busybox"}, "", 120);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "");
  CHECK(r.err == "");
  CHECK(files_in(d.dir() + "/out") == std::vector<std::string>{"busybox.tar"});
  CHECK(saved_manifest(file)[0]["RepoTags"] == json{"busybox:latest"});

  // To stdout: the same bytes.
  r = d.run({"save", "busybox"}, "", 120);
  CHECK(r.code == 0);
  CHECK(r.out == read_text(file));

  r = d.run({"rmi", "busybox"});
  CHECK(r.code == 0);
  CHECK(d.run({"images", "-q"}).out == "");
  r = d.run({"load", "-i", file}, "", 120);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "Loaded image: busybox:latest\n");
  CHECK(full_id(d, "busybox") == id);
  r = d.run({"run", "--rm", "busybox", "echo", "back"});
  INFO(r);
  CHECK(r.out == "back\n");

  // What went to stdout loads from stdin.
  std::string streamed = d.run({"save", "busybox"}, "", 120).out;
  CHECK(d.run({"rmi", "busybox"}).code == 0);
  r = d.run({"load"}, streamed, 120);
  CHECK(r.out == "Loaded image: busybox:latest\n");
  CHECK(full_id(d, "busybox") == id);
}

TEST_CASE("skopeo reads a saved archive", "[integration][images][save][skopeo]") {
  Daemon d;
  REQUIRE(d.run({"tag", "busybox", "mybox:1"}).code == 0);
  std::string file = d.dir() + "/two.tar";
  auto r = d.run({"image", "save", "-o", file, "busybox", "mybox:1"}, "", 120);
  INFO(r);
  REQUIRE(r.code == 0);
  auto manifest = saved_manifest(file);
  REQUIRE(manifest.size() == 1);
  CHECK(manifest[0]["RepoTags"] == json{"busybox:latest", "mybox:1"});
  json layers = json::array();
  for (auto& path : manifest[0]["Layers"]) {
    std::string p = path;
    layers.push_back("sha256:" + p.substr(p.rfind('/') + 1));
  }

  for (const char* tag : {"latest", "1"}) {
    INFO(tag);
    auto info = json::parse(
        host({"/usr/bin/skopeo", "inspect", "oci-archive:" + file + ":" + std::string{tag}}));
    CHECK(info["Layers"] == layers);
    CHECK(info["Architecture"] == "amd64");
    CHECK(info["Os"] == "linux");
  }
  auto config = json::parse(
      host({"/usr/bin/skopeo", "inspect", "--config", "oci-archive:" + file + ":latest"}));
  auto inspected = json::parse(d.run({"image", "inspect", "busybox"}).out).at(0);
  CHECK(config["rootfs"]["diff_ids"] == inspected["RootFS"]["Layers"]);

  std::string copy = d.dir() + "/copy";
  host({"/usr/bin/skopeo", "copy", "oci-archive:" + file + ":latest", "dir:" + copy});
  auto copied = json::parse(read_text(copy + "/manifest.json"));
  REQUIRE(copied["layers"].size() == layers.size());
  CHECK(copied["layers"][0]["digest"] == layers[0]);
}

TEST_CASE("image inspect shows Docker's fields", "[integration][images][inspect]") {
  Daemon d;
  auto r = d.run({"image", "inspect", "busybox"});
  INFO(r);
  REQUIRE(r.code == 0);
  CHECK(r.err == "");
  auto all = json::parse(r.out);
  REQUIRE(all.is_array());
  REQUIRE(all.size() == 1);
  auto img = all[0];
  std::string id = img["Id"];
  CHECK(lines(d.run({"images", "-q", "--no-trunc"}).out) == std::vector<std::string>{id});
  CHECK(img["RepoTags"] == json{"busybox:latest"});
  CHECK(img["RepoDigests"] == json::array());
  std::string created = img["Created"];
  CHECK(created.size() >= 20);
  CHECK(created[4] == '-');
  CHECK(created[10] == 'T');
  CHECK(created.back() == 'Z');
  CHECK(img["Size"].get<std::int64_t>() > 1000000);
  CHECK(img["Architecture"] == "amd64");
  CHECK(img["Os"] == "linux");
  CHECK(img["Config"]["Cmd"] == json{"sh"});
  CHECK(img["Config"]["Entrypoint"].is_null());
  CHECK_THAT(img["Config"]["Env"][0].get<std::string>(), StartsWith("PATH="));
  CHECK(img["Config"]["ExposedPorts"].is_object());
  CHECK(img["Config"]["WorkingDir"] == "");
  CHECK(img["Config"]["User"] == "");
  CHECK(img["Config"]["StopSignal"] == "");
  CHECK(img["RootFS"]["Type"] == "layers");
  REQUIRE(img["RootFS"]["Layers"].size() == 1);
  CHECK_THAT(img["RootFS"]["Layers"][0].get<std::string>(), StartsWith("sha256:"));

  // The ones found are printed, the others named on stderr, and the exit code says so.
  r = d.run({"image", "inspect", "busybox", "nosuch"});
  INFO(r);
  CHECK(r.code == 1);
  CHECK(r.err == "Error: No such image: nosuch\n");
  all = json::parse(r.out);
  REQUIRE(all.size() == 1);
  CHECK(all[0]["Id"] == id);
  r = d.run({"image", "inspect", "nosuch"});
  CHECK(r.code == 1);
  CHECK(json::parse(r.out) == json::array());
}

TEST_CASE("image prune removes dangling images, never one a container uses",
          "[integration][images][prune]") {
  Daemon d;
  // `old` and `kept` lose their tag to newer imports: both dangling, `kept` used by a
  // container (exited, which still counts).
  std::string old = import_image(d, "old", "app:1");
  std::string kept = import_image(d, "kept", "svc:1");
  std::string container = d.run_detached({"svc:1", "/bin/sh", "-c", "true"});
  REQUIRE(d.wait_status(container, "exited"));
  std::string app = import_image(d, "new", "app:1");
  import_image(d, "newsvc", "svc:1");
  auto images_q = [&] { return lines(d.run({"images", "-q", "--no-trunc"}).out).size(); };
  REQUIRE(images_q() == 5);

  // Asked and not confirmed: nothing happens.
  auto r = d.run({"image", "prune"}, "n\n");
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out ==
        "WARNING! This will remove all dangling images.\n"
        "Are you sure you want to continue? [y/N] \n"
        "Total reclaimed space: 0B\n");
  CHECK(images_q() == 5);
  r = d.run({"image", "prune"}, "");  // no answer at all is a no
  CHECK(images_q() == 5);

  r = d.run({"image", "prune"}, "y\n");
  INFO(r);
  CHECK(r.code == 0);
  auto out = lines(r.out);
  REQUIRE(out.size() == 7);
  CHECK(out[0] == "WARNING! This will remove all dangling images.");
  CHECK(out[2] == "Deleted Images:");
  CHECK(out[3] == "deleted: " + old);
  CHECK_THAT(out[4], StartsWith("deleted: sha256:"));  // its layer
  CHECK(out[5] == "");
  CHECK_THAT(out[6], StartsWith("Total reclaimed space: "));
  CHECK(out[6] != "Total reclaimed space: 0B");
  CHECK(images_q() == 4);
  CHECK(full_id(d, kept.substr(7)) == kept);
  r = d.run({"run", "--rm", kept.substr(7, 12), "/bin/busybox", "cat", "/marker"});
  CHECK(r.out == "kept\n");

  // -a: every image no container uses, tags and all; busybox is in use by a container.
  std::string sleeper = d.run_detached({"busybox", "sleep", "1000"});
  r = d.run({"image", "prune", "-a", "-f"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, StartsWith("Deleted Images:\nuntagged: "));
  CHECK_THAT(r.out, Contains("untagged: app:1\n"));
  CHECK_THAT(r.out, Contains("untagged: svc:1\n"));
  CHECK_THAT(r.out, Contains("deleted: " + app + "\n"));
  CHECK_THAT(r.out, !Contains(kept));
  r = d.run({"images", "--format", "{{.Repository}}:{{.Tag}}"});
  CHECK(r.out == "<none>:<none>\nbusybox:latest\n");  // newest first
  r = d.run({"exec", sleeper, "echo", "alive"});
  CHECK(r.out == "alive\n");

  r = d.run({"image", "prune", "-f"});
  CHECK(r.out == "Total reclaimed space: 0B\n");
}

TEST_CASE("images --digests, --no-trunc and --format", "[integration][images][format]") {
  Daemon d;
  std::string id = full_id(d, "busybox");
  auto r = d.run({"images", "--digests"});
  INFO(r);
  auto rows = lines(r.out);
  REQUIRE(rows.size() == 2);
  // Docker's tabwriter: columns at least 10 wide, 3 spaces of padding.
  CHECK_THAT(rows[0], StartsWith("REPOSITORY   TAG       DIGEST    IMAGE ID"));
  CHECK_THAT(rows[1], StartsWith("busybox      latest    <none>    " + id.substr(7, 12)));
  r = d.run({"image", "ls", "--no-trunc"});
  CHECK_THAT(r.out, Contains("   " + id + "   "));

  r = d.run({"images", "--format", "json"});
  INFO(r);
  CHECK(r.code == 0);
  rows = lines(r.out);
  REQUIRE(rows.size() == 1);
  auto row = json::parse(rows[0]);
  CHECK(row["Repository"] == "busybox");
  CHECK(row["Tag"] == "latest");
  CHECK(row["ID"] == id.substr(7, 12));
  CHECK(row["Digest"] == "<none>");
  CHECK(row["Containers"] == "0");
  CHECK_THAT(row["CreatedSince"].get<std::string>(), Contains(" ago"));
  CHECK_THAT(row["CreatedAt"].get<std::string>(), Contains(" +0000 UTC"));
  CHECK_THAT(row["Size"].get<std::string>(), Contains("MB"));
  for (const char* key : {"SharedSize", "UniqueSize", "VirtualSize"}) CHECK(row.contains(key));

  r = d.run({"images", "--format", "table {{.Repository}}\\t{{.Tag}}\\t{{.Size}}"});
  rows = lines(r.out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == "REPOSITORY   TAG       SIZE");
  CHECK_THAT(rows[1], StartsWith("busybox      latest    "));
  r = d.run({"images", "--format", "{{json .}}"});
  CHECK(json::parse(trim(r.out))["ID"] == id.substr(7, 12));
  r = d.run({"images", "--format", "{{.Nope}}"});
  CHECK(r.code == 1);
  CHECK(r.out == "");
  CHECK_THAT(r.err, StartsWith("asupctl: template parsing error: template: :1:2: executing \"\" "
                               "at <.Nope>: can't evaluate field Nope in type "
                               "*formatter.ImageContext"));
  CHECK(lines(r.err).size() == 1);

  // A pull records repo digests (the registry's manifest digest); fake one in the index
  // as a pull would have left it.
  std::string digest = "sha256:" + std::string(64, 'e');
  d.stop_daemon();
  std::string index_path = d.root() + "/image/index.json";
  auto index = json::parse(read_text(index_path));
  index["images"][id]["repo_digests"] = {"docker.io/library/busybox@" + digest};
  write_file(index_path, index.dump());
  d.start_daemon();
  r = d.run({"images", "--digests"});
  rows = lines(r.out);
  REQUIRE(rows.size() == 2);
  CHECK_THAT(rows[1], StartsWith("busybox      latest    " + digest + "   " + id.substr(7, 12)));
  r = d.run({"images", "--format", "{{.Repository}}@{{.Digest}}"});
  CHECK(r.out == "busybox@" + digest + "\n");
  auto img = json::parse(d.run({"image", "inspect", "busybox"}).out).at(0);
  CHECK(img["RepoDigests"] == json{"busybox@" + digest});
  r = d.run({"run", "--rm", "busybox@" + digest, "echo", "by digest"});
  CHECK(r.out == "by digest\n");
  r = d.run({"rmi", id});
  CHECK(r.out == "Untagged: busybox:latest\nUntagged: busybox@" + digest + "\nDeleted: " + id +
                     "\n" + "Deleted: " + img["RootFS"]["Layers"][0].get<std::string>() + "\n");
}

TEST_CASE("bad image commands fail with one clear line and change nothing",
          "[integration][images][errors]") {
  Daemon d;
  auto before = d.run({"images"}).out;
  auto one_line_error = [](const Result& r, const std::string& needle) {
    INFO(r);
    CHECK(r.code != 0);
    CHECK(r.out == "");
    CHECK(lines(r.err).size() == 1);
    CHECK_THAT(r.err, Contains(needle));
  };
  one_line_error(d.run({"tag", "nosuch", "x:1"}), "No such image: nosuch");
  one_line_error(d.run({"tag", "busybox", "busybox@sha256:" + std::string(64, 'a')}),
                 "refusing to create a tag with a digest reference");
  one_line_error(d.run({"tag", "busybox", "Not A Name"}), "invalid reference format");
  CHECK(d.run({"images"}).out == before);

  std::string out_dir = d.dir() + "/out";
  REQUIRE(::mkdir(out_dir.c_str(), 0755) == 0);
  one_line_error(d.run({"save", "-o", out_dir + "/x.tar", "busybox", "nosuch"}),
                 "No such image: nosuch");
  one_line_error(d.run({"save", "-o", d.dir() + "/missing/x.tar", "busybox"}),
                 "invalid output path: directory \"" + d.dir() + "/missing\" does not exist");
  one_line_error(d.run({"save", "-o", out_dir, "busybox"}), "is a directory");
  one_line_error(d.run({"save", "-o", "/proc/asup-test.tar", "busybox"}),
                 "create /proc/asup-test.tar: ");
  CHECK(files_in(out_dir).empty());

  // Out of space part-way: no file, no temp file.
  std::string small = d.dir() + "/small";
  REQUIRE(::mkdir(small.c_str(), 0755) == 0);
  REQUIRE(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=256k") == 0);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{small};
  one_line_error(d.run({"save", "-o", small + "/x.tar", "busybox"}), "No space left on device");
  CHECK(files_in(small).empty());

  // A terminal is no place for a tar.
  Process tty({"/usr/bin/script", "-qec",
               bin_path("asupctl") + " --run-root " + d.run_root() + " save busybox", "/dev/null"});
  REQUIRE(tty.wait(60));
  CHECK(tty.result().code == 1);
  CHECK_THAT(tty.out(),
             Contains("cowardly refusing to save to a terminal. Use the -o flag or redirect"));
  CHECK(d.run({"images"}).out == before);
}
