// `asupctl pull` and `run --pull` against Debian's real docker-registry on loopback:
// layered content with whiteouts, platforms, compressions, sharing, and failures that must
// leave nothing behind.
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "http_fixtures.hpp"
#include "pull_support.hpp"

namespace asup::it {
namespace {

std::string ref(const Registry& reg, const std::string& repo_and_tag) {
  return reg.host() + "/" + repo_and_tag;
}

}  // namespace

TEST_CASE("a pulled image shows the top layer's deletions and opaque directories",
          "[pull][whiteout]") {
  Registry reg;
  std::string lower = TarBuilder()
                          .directory("data")
                          .file("data/keep", "kept\n")
                          .file("data/gone", "deleted\n")
                          .directory("data/opaque")
                          .file("data/opaque/old", "hidden\n")
                          .directory("data/dir")
                          .file("data/dir/inside", "x\n")
                          .bytes();
  // The opaque marker comes after the directory's own new entry: it still applies to the
  // lower layers only (OCI image spec).
  std::string upper = TarBuilder()
                          .directory("data")
                          .file("data/.wh.gone", "")
                          .file("data/.wh.dir", "")
                          .directory("data/opaque")
                          .file("data/opaque/new", "fresh\n")
                          .file("data/opaque/.wh..wh..opq", "")
                          .bytes();
  push_layers(reg, "test/layers:v1", {lower, upper});
  Daemon d;
  auto pulled = d.run({"pull", ref(reg, "test/layers:v1")});
  CHECK(contains(pulled.out, "Pull complete"));
  CHECK(contains(pulled.out, "Status: Downloaded newer image for " + ref(reg, "test/layers:v1")));
  CHECK(lines(pulled.out).back() == ref(reg, "test/layers:v1"));

  auto r = d.run({"run", "--rm", ref(reg, "test/layers:v1"), "sh", "-c",
                  "ls /data; echo --; ls /data/opaque; cat /data/keep /data/opaque/new"});
  CHECK(r.out == "keep\nopaque\n--\nnew\nkept\nfresh\n");
  CHECK(staging_leftovers(d).empty());
}

TEST_CASE("an image built and changed with umoci pulls with its deletions", "[pull][umoci]") {
  TempDir tmp;
  OciLayoutBuilder base(tmp / "layout");
  start_busybox_image(base);
  base.write_image("base");
  auto run_umoci = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "/usr/bin/umoci");
    auto r = run_tool(args);
    INFO(r);
    REQUIRE(r.code == 0);
  };
  std::string layout = tmp / "layout";
  run_umoci({"unpack", "--image", layout + ":base", tmp / "bundle"});
  std::string rootfs = tmp / "bundle/rootfs";
  REQUIRE(run_tool({"/bin/sh", "-c",
                    "mkdir -p " + rootfs + "/srv/a && echo one > " + rootfs + "/srv/a/one && " +
                        "echo two > " + rootfs + "/srv/two"})
              .code == 0);
  run_umoci({"repack", "--image", layout + ":v1", tmp / "bundle"});
  REQUIRE(
      run_tool({"/bin/sh", "-c", "rm -r " + rootfs + "/srv/a && echo 2 > " + rootfs + "/srv/two"})
          .code == 0);
  run_umoci({"repack", "--image", layout + ":v2", tmp / "bundle"});

  Registry reg;
  reg.push(layout, "v2", "umoci/app:v2");
  Daemon d;
  d.run({"pull", "-q", ref(reg, "umoci/app:v2")});
  auto r = d.run({"run", "--rm", ref(reg, "umoci/app:v2"), "sh", "-c", "ls /srv; cat /srv/two"});
  CHECK(r.out == "two\n2\n");
}

TEST_CASE("pull picks this host's platform from an index, or the one asked for",
          "[pull][platform]") {
  TempDir tmp;
  OciLayoutBuilder b(tmp / "layout");
  auto add = [&](const Platform& p, const std::string& name) {
    start_busybox_image(b);
    b.add_layer(TarBuilder().file("platform", name + "\n").bytes());
    b.config()["architecture"] = p.architecture;
    if (!p.variant.empty()) b.config()["variant"] = p.variant;
    return b.add_platform_manifest(p);
  };
  auto amd64 = add(Platform{"linux", "amd64", ""}, "amd64");
  add(Platform{"linux", "arm64", "v8"}, "arm64");
  start_busybox_image(b);
  b.add_attestation_manifest(amd64);
  auto index = b.write_index("multi");
  Registry reg;
  reg.push(b.dir(), "multi", "test/multi:1", {"--all"});

  Daemon d;
  auto pulled = d.run({"pull", ref(reg, "test/multi:1")});
  CHECK(contains(pulled.out, "Digest: " + index.digest));
  CHECK(d.run({"run", "--rm", ref(reg, "test/multi:1"), "cat", "/platform"}).out == "amd64\n");

  // The arm64 image carries the same x86 busybox: only the metadata says arm64.
  d.run({"pull", "-q", "--platform", "linux/arm64", ref(reg, "test/multi:1")});
  CHECK(d.run({"run", "--rm", ref(reg, "test/multi:1"), "cat", "/platform"}).out == "arm64\n");

  auto none = d.try_run({"pull", "--platform", "linux/s390x", ref(reg, "test/multi:1")});
  CHECK(none.code == 1);
  CHECK(contains(none.err, "no matching manifest for linux/s390x"));
  auto bad = d.try_run({"pull", "--platform", "linux", ref(reg, "test/multi:1")});
  CHECK(bad.code == 1);
  CHECK(contains(bad.err, "invalid platform"));
}

TEST_CASE("zstd and uncompressed layers pull", "[pull][compression]") {
  Registry reg;
  push_layers(reg, "test/zstd:1", {TarBuilder().file("z", "zstd layer\n").bytes()},
              Compression::zstd);
  push_layers(reg, "test/plain:1", {TarBuilder().file("p", "plain layer\n").bytes()},
              Compression::none);
  Daemon d;
  CHECK(d.run({"run", "--rm", ref(reg, "test/zstd:1"), "cat", "/z"}).out == "zstd layer\n");
  CHECK(d.run({"run", "--rm", ref(reg, "test/plain:1"), "cat", "/p"}).out == "plain layer\n");
}

TEST_CASE("a blob that does not match its digest fails the pull and leaves nothing",
          "[pull][verify]") {
  Registry reg;
  auto layers = push_layers(reg, "test/corrupt:1", {TarBuilder().file("f", "original\n").bytes()});
  // Same size, other bytes: only the digest can tell.
  std::string path = reg.blob_data_path(layers.back().descriptor.digest);
  std::string data = read_text(path);
  REQUIRE(!data.empty());
  data[data.size() / 2] ^= 0x01;
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
  }
  Daemon d;
  std::size_t layers_before = layer_count(d);
  auto r = d.try_run({"pull", ref(reg, "test/corrupt:1")});
  CHECK(r.code == 1);
  CHECK((contains(r.err, "hashes to") || contains(r.err, "gzip")));
  CHECK(contains(d.run({"images"}).out, "test/corrupt") == false);
  CHECK(layer_count(d) == layers_before);
  CHECK(eventually([&] { return staging_leftovers(d).empty(); }, 10));
}

TEST_CASE("an interrupted download leaves nothing behind and the next pull succeeds",
          "[pull][interrupt]") {
  Registry reg;
  std::string noise = digits(2 << 20, 2654435761u);
  push_layers(reg, "test/flaky:1", {TarBuilder().file("big", noise).bytes()});
  FlakyProxy proxy(reg.host(), {.cut_first = 1, .bytes_before_cut = 100000});
  Daemon d;
  std::size_t layers_before = layer_count(d);
  std::string image = proxy.host() + "/test/flaky:1";
  auto first = d.try_run({"pull", image});
  CHECK(first.code == 1);
  CHECK(proxy.cut_connections() == 1);
  CHECK_FALSE(contains(d.run({"images"}).out, "test/flaky"));
  CHECK(layer_count(d) == layers_before);
  CHECK(eventually([&] { return staging_leftovers(d).empty(); }, 10));

  auto second = d.run({"pull", "-q", image});
  CHECK(second.out == image + "\n");
  CHECK(d.run({"run", "--rm", image, "wc", "-c", "/big"}).out ==
        std::to_string(noise.size()) + " /big\n");
}

TEST_CASE("layers in the store are not fetched again, and concurrent pulls share downloads",
          "[pull][share]") {
  Registry reg;
  std::string noise = digits(4 << 20, 40503u);
  push_layers(reg, "test/a:1", {TarBuilder().file("a", noise).bytes()});
  push_layers(reg, "test/b:1", {TarBuilder().file("b", "b\n").bytes()});
  FlakyProxy counter(reg.host(), {.cut_first = 0, .bytes_before_cut = 0});
  Daemon d;

  // Three clients at once for the same image: one download per blob (the config and two
  // layers).
  std::vector<Process> pulls;
  for (int i = 0; i < 3; ++i)
    pulls.push_back(d.spawn({"pull", "-q", counter.host() + "/test/a:1"}));
  for (auto& p : pulls) {
    REQUIRE(p.wait(60));
    CHECK(p.result().code == 0);
  }
  int after_a = counter.blob_gets();
  CHECK(after_a <= 2 + 3);  // two layers once; the small config blob once per pull at most

  // b shares the busybox layer with a: only its own layer and config are fetched.
  auto b = d.run({"pull", counter.host() + "/test/b:1"});
  CHECK(contains(b.out, "Already exists"));
  CHECK(counter.blob_gets() - after_a == 2);

  auto again = d.run({"pull", counter.host() + "/test/b:1"});
  CHECK(contains(again.out, "Status: Image is up to date for " + counter.host() + "/test/b:1"));
  CHECK(counter.blob_gets() - after_a == 3);  // the config, to compare ids
}

TEST_CASE("run --pull missing, always and never", "[pull][run]") {
  Registry reg;
  push_layers(reg, "test/run:1", {TarBuilder().file("msg", "from the registry\n").bytes()});
  Daemon d;
  std::string image = ref(reg, "test/run:1");
  auto never = d.try_run({"run", "--rm", "--pull", "never", image, "cat", "/msg"});
  CHECK(never.code == 125);
  CHECK(contains(never.err, "No such image"));

  auto missing = d.run({"run", "--rm", image, "cat", "/msg"});
  CHECK(missing.out == "from the registry\n");
  CHECK(contains(missing.err, "Unable to find image '" + image + "' locally"));

  auto present = d.run({"run", "--rm", image, "cat", "/msg"});
  CHECK_FALSE(contains(present.err, "Unable to find image"));

  auto always = d.run({"run", "--rm", "--pull", "always", image, "cat", "/msg"});
  CHECK(always.out == "from the registry\n");
  CHECK(contains(always.err, "Image is up to date"));

  // -q: the workload's output only, however the image got there.
  auto quiet = d.run({"run", "--rm", "-q", "--pull", "always", image, "cat", "/msg"});
  CHECK(quiet.out == "from the registry\n");
  CHECK(quiet.err.empty());
  d.run({"rmi", image});
  auto quiet_missing = d.run({"run", "--rm", "--quiet", image, "cat", "/msg"});
  CHECK(quiet_missing.out == "from the registry\n");
  CHECK(quiet_missing.err.empty());

  auto bad = d.try_run({"run", "--rm", "--pull", "sometimes", image});
  CHECK(bad.code == 125);
  auto unknown = d.try_run({"run", "--rm", ref(reg, "test/nothere:1"), "true"});
  CHECK(unknown.code == 125);
  CHECK(contains(unknown.err, "not found"));
}

TEST_CASE("pull by digest, unknown tags and bad references", "[pull][errors]") {
  Registry reg;
  push_layers(reg, "test/digest:1", {TarBuilder().file("d", "d\n").bytes()});
  Daemon d;
  auto by_tag = d.run({"pull", ref(reg, "test/digest:1")});
  std::string digest;
  for (auto& line : lines(by_tag.out))
    if (line.rfind("Digest: ", 0) == 0) digest = line.substr(8);
  REQUIRE(digest.size() == 71);
  auto by_digest = d.run({"pull", ref(reg, "test/digest@" + digest)});
  CHECK(lines(by_digest.out).back() == ref(reg, "test/digest@" + digest));
  auto inspected =
      nlohmann::json::parse(d.run({"image", "inspect", ref(reg, "test/digest:1")}).out);
  CHECK(inspected[0]["RepoDigests"] == nlohmann::json::array({ref(reg, "test/digest@" + digest)}));
  CHECK(contains(d.run({"images", "--digests"}).out, digest));
  // The digest names the image too.
  CHECK(d.run({"run", "--rm", ref(reg, "test/digest@" + digest), "cat", "/d"}).out == "d\n");

  auto wrong = d.try_run({"pull", ref(reg, "test/digest@sha256:" + std::string(64, '0'))});
  CHECK(wrong.code == 1);
  auto unknown = d.try_run({"pull", ref(reg, "test/digest:nope")});
  CHECK(unknown.code == 1);
  CHECK(contains(unknown.err, "not found"));
  auto bad = d.try_run({"pull", "UPPER/Case"});
  CHECK(bad.code == 1);
  CHECK(lines(bad.err).size() == 1);
  // Nothing listens on port 1 of loopback: a clear transport error, quickly.
  auto refused = d.try_run({"pull", "127.0.0.1:1/x:1"});
  CHECK(refused.code == 1);
  CHECK(contains(refused.err, "127.0.0.1:1"));
}

TEST_CASE("an image of 200 layers pulls and runs", "[pull][layers]") {
  TempDir tmp;
  OciLayoutBuilder b(tmp / "layout");
  start_busybox_image(b);
  for (int i = 1; i < 200; ++i)
    b.add_layer(TarBuilder().directory("layers").file("layers/" + std::to_string(i), "x").bytes());
  b.write_image("deep");
  Registry reg;
  reg.push(b.dir(), "deep", "test/deep:1");
  Daemon d;
  auto r =
      d.run({"run", "--rm", ref(reg, "test/deep:1"), "sh", "-c", "ls /layers | wc -l"}, "", 120);
  CHECK(r.out == "199\n");
}

}  // namespace asup::it

namespace asup::it {

TEST_CASE("pull on a terminal redraws one progress line per layer", "[pull][tty]") {
  Registry reg;
  push_layers(reg, "test/tty:1", {TarBuilder().file("big", digits(1 << 20, 7u)).bytes()});
  Daemon d;
  // script(1) gives asupctl a pseudo-terminal for its stdout.
  std::string command;
  for (auto& a : d.ctl_argv({"pull", reg.host() + "/test/tty:1"})) command += a + " ";
  auto r = run_tool({"/usr/bin/script", "-qec", command, "/dev/null"}, 60);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "\033["));  // cursor movement: lines rewritten in place
  CHECK(contains(r.out, "Pull complete"));
  CHECK(contains(r.out, "Status: Downloaded newer image for " + reg.host() + "/test/tty:1"));
}

}  // namespace asup::it
