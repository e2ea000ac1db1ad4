// Volumes through real containers: named volumes outliving containers and asupd, the first
// use filling an empty volume from the image, the image's VOLUMEs as anonymous volumes,
// the volume commands with Docker's outputs and texts, --mount of each type,
// --volumes-from, and a tmpfs-backed volume.
#include <sys/mount.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "harness.hpp"
#include "http_fixtures.hpp"
#include "network_support.hpp"
#include "pull_support.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

// busybox plus /data/seed.txt and /cfg/app.conf, with VOLUME /data.
void load_volume_image(Daemon& d, const std::string& reference) {
  TempDir tmp("asup-it-volimg");
  OciLayoutBuilder builder(tmp / "layout");
  start_busybox_image(builder);
  builder.add_layer(TarBuilder{}
                        .directory("data")
                        .file("data/seed.txt", "seeded\n")
                        .directory("data/sub")
                        .file("data/sub/deep.txt", "deep\n")
                        .directory("cfg")
                        .file("cfg/app.conf", "conf\n")
                        .bytes());
  builder.config()["config"]["Volumes"] = {{"/data", nlohmann::json::object()}};
  builder.write_image(reference);
  host_output({"/usr/bin/tar", "-C", builder.dir(), "-cf", tmp / "layout.tar", "."});
  auto r = d.run({"load", "-i", tmp / "layout.tar"}, "", 120);
  INFO(r);
  REQUIRE(r.code == 0);
}

std::vector<std::string> volume_names(Daemon& d, const std::vector<std::string>& filters = {}) {
  std::vector<std::string> args{"volume", "ls", "-q"};
  for (const auto& f : filters) args.insert(args.end(), {"--filter", f});
  auto r = d.run(args);
  INFO(r);
  REQUIRE(r.code == 0);
  return lines(r.out);
}

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The name of the one volume mounted at `target` in container `id`.
std::string volume_at(Daemon& d, const std::string& id, const std::string& target) {
  auto inspected = d.inspect(id);
  for (const auto& m : inspected["Mounts"])
    if (m.value("Destination", "") == target) return m.value("Name", "");
  return "";
}

}  // namespace

TEST_CASE("a named volume's content outlives its container and asupd", "[integration][volumes]") {
  Daemon d;
  auto r =
      d.run({"run", "--rm", "-v", "keep1:/data", "busybox", "sh", "-c", "echo kept > /data/f"});
  INFO(r);
  REQUIRE(r.code == 0);
  CHECK(has(volume_names(d), "keep1"));
  r = d.run({"run", "--rm", "-v", "keep1:/data:ro", "busybox", "cat", "/data/f"});
  INFO(r);
  CHECK(r.out == "kept\n");

  // A stopped container holds its volume across an asupd restart.
  auto holder = trim(d.run({"create", "--name", "holder", "-v", "keep1:/data", "busybox"}).out);
  REQUIRE(is_hex_id(holder));
  d.restart();
  r = d.run({"run", "--rm", "-v", "keep1:/data", "busybox", "cat", "/data/f"});
  INFO(r);
  CHECK(r.out == "kept\n");
  r = d.try_run({"volume", "rm", "keep1"});
  INFO(r);
  CHECK(r.code == 1);
  CHECK(r.err == "Error response from daemon: remove keep1: volume is in use - [" + holder + "]\n");
  r = d.try_run({"volume", "rm", "-f", "keep1"});
  CHECK(r.code == 1);
  REQUIRE(d.run({"rm", "holder"}).code == 0);
  r = d.run({"volume", "rm", "keep1"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "keep1\n");
  CHECK_FALSE(has(volume_names(d), "keep1"));
}

TEST_CASE("a new volume is filled from the image once, unless nocopy", "[integration][volumes]") {
  Daemon d;
  load_volume_image(d, "volimg:1");
  auto r = d.run({"run", "--rm", "-v", "filled:/data", "volimg:1", "cat", "/data/seed.txt",
                  "/data/sub/deep.txt"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "seeded\ndeep\n");
  // Not empty any more: never filled again, whatever it holds.
  r = d.run({"run", "--rm", "-v", "filled:/data", "volimg:1", "sh", "-c",
             "rm -r /data/seed.txt /data/sub; echo mine > /data/own"});
  REQUIRE(r.code == 0);
  r = d.run({"run", "--rm", "-v", "filled:/data", "volimg:1", "ls", "/data"});
  INFO(r);
  CHECK(r.out == "own\n");
  // A path the image has no VOLUME at is filled too, as Docker does.
  r = d.run({"run", "--rm", "-v", "conf:/cfg", "volimg:1", "cat", "/cfg/app.conf"});
  INFO(r);
  CHECK(r.out == "conf\n");
  r = d.run({"run", "--rm", "-v", "bare:/data:nocopy", "volimg:1", "ls", "-A", "/data"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "");
  r = d.run({"run", "--rm", "--mount", "type=volume,source=bare2,target=/data,volume-nocopy",
             "volimg:1", "ls", "-A", "/data"});
  INFO(r);
  CHECK(r.out == "");
}

TEST_CASE("an image's VOLUME is an anonymous volume that rm -v and --rm remove",
          "[integration][volumes]") {
  Daemon d;
  load_volume_image(d, "volimg:1");
  auto r = d.run({"run", "--name", "a1", "volimg:1", "cat", "/data/seed.txt"});
  INFO(r);
  CHECK(r.out == "seeded\n");
  auto inspected = d.inspect("a1");
  CHECK(inspected["Config"]["Volumes"] == nlohmann::json{{"/data", nlohmann::json::object()}});
  std::string anon = volume_at(d, "a1", "/data");
  CHECK(is_hex_id(anon));
  auto& mount = inspected["Mounts"][0];
  CHECK(mount["Type"] == "volume");
  CHECK(mount["Source"] == d.root() + "/volumes/" + anon + "/_data");
  CHECK(mount["Driver"] == "local");
  CHECK(mount["RW"] == true);
  // A plain rm keeps it, dangling.
  REQUIRE(d.run({"rm", "a1"}).code == 0);
  CHECK(has(volume_names(d, {"dangling=true"}), anon));

  REQUIRE(d.run({"run", "--name", "a2", "-v", "/scratch", "volimg:1", "sh", "-c", "true"}).code ==
          0);
  std::string anon2 = volume_at(d, "a2", "/data"), scratch = volume_at(d, "a2", "/scratch");
  CHECK(d.inspect("a2")["Config"]["Volumes"].size() == 2);
  REQUIRE(d.run({"rm", "-v", "a2"}).code == 0);
  CHECK(eventually(
      [&] {
        auto names = volume_names(d);
        return !has(names, anon2) && !has(names, scratch);
      },
      10));

  auto before = volume_names(d).size();
  r = d.run({"run", "--rm", "volimg:1", "ls", "/data"});
  CHECK(r.code == 0);
  CHECK(eventually([&] { return volume_names(d).size() == before; }, 10));
  CHECK(has(volume_names(d), anon));
}

TEST_CASE("volume create, ls, inspect, rm as Docker's", "[integration][volumes]") {
  Daemon d;
  auto r = d.run({"volume", "create", "--label", "env=test", "lab1"});
  INFO(r);
  CHECK(r.out == "lab1\n");
  REQUIRE(d.run({"volume", "create", "plain1"}).code == 0);
  REQUIRE(d.run({"create", "--name", "user", "-v", "plain1:/p", "busybox"}).code == 0);

  CHECK(volume_names(d) == std::vector<std::string>{"lab1", "plain1"});
  CHECK(volume_names(d, {"label=env=test"}) == std::vector<std::string>{"lab1"});
  CHECK(volume_names(d, {"label=env"}) == std::vector<std::string>{"lab1"});
  CHECK(volume_names(d, {"name=^lain"}).empty());
  CHECK(volume_names(d, {"name=plain"}) == std::vector<std::string>{"plain1"});
  CHECK(volume_names(d, {"dangling=true"}) == std::vector<std::string>{"lab1"});
  CHECK(volume_names(d, {"dangling=false"}) == std::vector<std::string>{"plain1"});
  r = d.try_run({"volume", "ls", "--filter", "colour=red"});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("invalid filter 'colour'"));

  r = d.run({"volume", "ls"});
  auto rows = lines(r.out);
  REQUIRE(rows.size() == 3);
  CHECK(std::regex_match(rows[0], std::regex("DRIVER +VOLUME NAME *")));
  CHECK(std::regex_match(rows[1], std::regex("local +lab1 *")));
  r = d.run({"volume", "ls", "--format", "json"});
  auto first = nlohmann::json::parse(lines(r.out).at(0));
  CHECK(first["Name"] == "lab1");
  CHECK(first["Labels"] == "env=test");
  CHECK(first["Mountpoint"] == d.root() + "/volumes/lab1/_data");

  r = d.run({"volume", "inspect", "lab1"});
  auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc.size() == 1);
  CHECK(doc[0]["Name"] == "lab1");
  CHECK(doc[0]["Driver"] == "local");
  CHECK(doc[0]["Scope"] == "local");
  CHECK(doc[0]["Labels"] == nlohmann::json{{"env", "test"}});
  CHECK(doc[0]["Mountpoint"] == d.root() + "/volumes/lab1/_data");
  CHECK(std::regex_match(doc[0]["CreatedAt"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  r = d.try_run({"volume", "inspect", "nosuch"});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("No such volume: nosuch"));

  r = d.try_run({"volume", "create", "a b"});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("\"a b\" includes invalid characters for a local volume name"));

  // Each failure on its own line, the successes printed, rc 1.
  r = d.try_run({"volume", "rm", "lab1", "nosuch", "plain1"});
  INFO(r);
  CHECK(r.code == 1);
  CHECK(r.out == "lab1\n");
  CHECK_THAT(r.err, Contains("Error response from daemon: get nosuch: no such volume\n"));
  CHECK_THAT(r.err, Contains("Error response from daemon: remove plain1: volume is in use - ["));
  CHECK(d.run({"volume", "rm", "-f", "nosuch"}).code == 0);
}

TEST_CASE("volume prune removes unused anonymous volumes, -a named ones too",
          "[integration][volumes]") {
  Daemon d;
  REQUIRE(
      d.run({"run", "--name", "gone", "-v", "/anon", "busybox", "sh", "-c", "echo 12345 > /anon/f"})
          .code == 0);
  std::string anon = volume_at(d, "gone", "/anon");
  REQUIRE(d.run({"rm", "gone"}).code == 0);
  REQUIRE(d.run({"volume", "create", "named1"}).code == 0);
  REQUIRE(d.run({"create", "--name", "keeper", "-v", "used1:/u", "busybox"}).code == 0);

  // No answer is a no.
  auto r = d.run({"volume", "prune"}, "n\n");
  CHECK_THAT(r.out, Contains("WARNING! This will remove anonymous local volumes not used by at "
                             "least one container.\nAre you sure you want to continue? [y/N] "));
  CHECK_THAT(r.out, Contains("Total reclaimed space: 0B\n"));
  CHECK(has(volume_names(d), anon));

  r = d.run({"volume", "prune", "-f"});
  INFO(r);
  CHECK(r.out == "Deleted Volumes:\n" + anon + "\n\nTotal reclaimed space: 6B\n");
  auto names = volume_names(d);
  CHECK(names == std::vector<std::string>{"named1", "used1"});

  r = d.run({"volume", "prune", "-f", "-a"});
  INFO(r);
  CHECK(r.out == "Deleted Volumes:\nnamed1\n\nTotal reclaimed space: 0B\n");
  CHECK(volume_names(d) == std::vector<std::string>{"used1"});
}

TEST_CASE("a volume with -o type=tmpfs is a tmpfs inside", "[integration][volumes]") {
  Daemon d;
  auto r = d.run(
      {"volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=4m", "tv"});
  REQUIRE(r.code == 0);
  r = d.run({"run", "--rm", "-v", "tv:/data", "busybox", "sh", "-c",
             "grep ' /data ' /proc/mounts; echo x > /data/f"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains("tmpfs /data tmpfs"));
  CHECK_THAT(r.out, Contains("size=4096k"));
  r = d.run({"run", "--rm", "-v", "tv:/data", "busybox", "cat", "/data/f"});
  CHECK(r.out == "x\n");
  CHECK(d.run({"volume", "inspect", "tv"}).out.find("\"type\": \"tmpfs\"") != std::string::npos);
  REQUIRE(d.run({"volume", "rm", "tv"}).code == 0);
  CHECK(mounts_matching("/proc/self/mountinfo", [&](const std::string& p) {
          return p.rfind(d.root() + "/volumes/", 0) == 0;
        }).empty());
}

TEST_CASE("mounts with --mount: binds, volumes and tmpfs, readonly, and its errors",
          "[integration][volumes]") {
  Daemon d;
  TempDir host("asup-it-mount");
  { std::ofstream(host / "f") << "from host\n"; }
  auto r = d.run({"run", "--rm", "--mount", "type=bind,source=" + host.path() + ",target=/m",
                  "busybox", "sh", "-c", "cat /m/f; echo back > /m/g"});
  INFO(r);
  CHECK(r.out == "from host\n");
  CHECK(read_text(host / "g") == "back\n");
  r = d.try_run({"run", "--rm", "--mount",
                 "type=bind,source=" + host.path() + ",target=/m,readonly", "busybox", "touch",
                 "/m/x"});
  INFO(r);
  CHECK(r.code != 0);
  CHECK_THAT(r.err, Contains("Read-only file system"));
  r = d.run({"run", "--rm", "-v", host.path() + ":/z:z", "busybox", "cat", "/z/f"});
  CHECK(r.out == "from host\n");
  // "source=." is the client's directory, as the Docker CLI reads it.
  struct stat cwd {};
  REQUIRE(::stat(".", &cwd) == 0);
  r = d.run({"run", "--rm", "--mount", "type=bind,source=.,target=/here,readonly", "busybox",
             "stat", "-c", "%i", "/here"});
  INFO(r);
  CHECK(r.out == std::to_string(cwd.st_ino) + "\n");

  r = d.run({"run", "--rm", "--mount", "type=volume,source=mv,target=/v,volume-label=k=v",
             "busybox", "sh", "-c", "echo in-volume > /v/f"});
  REQUIRE(r.code == 0);
  CHECK(volume_names(d, {"label=k=v"}) == std::vector<std::string>{"mv"});
  r = d.run({"run", "--rm", "--mount", "type=volume,src=mv,dst=/w,ro", "busybox", "sh", "-c",
             "cat /w/f; touch /w/x"});
  INFO(r);
  CHECK(r.out == "in-volume\n");
  CHECK_THAT(r.err, Contains("Read-only file system"));

  auto id = d.run_detached({"--mount", "type=tmpfs,target=/t,tmpfs-size=1m", "--mount",
                            "type=bind,src=" + host.path() + ",dst=/b", "busybox", "sleep", "300"});
  r = d.run({"exec", id, "grep", " /t ", "/proc/mounts"});
  INFO(r);
  CHECK_THAT(r.out, Contains("tmpfs /t tmpfs"));
  CHECK_THAT(r.out, Contains("size=1024k"));
  auto inspected = d.inspect(id);
  auto& mounts = inspected["HostConfig"]["Mounts"];
  REQUIRE(mounts.size() == 2);
  CHECK(mounts[0]["Type"] == "tmpfs");
  CHECK(mounts[0]["TmpfsOptions"]["SizeBytes"] == 1048576);
  CHECK(mounts[1]["Source"] == host.path());
  CHECK(inspected["Mounts"][0]["Destination"] == "/b");
  CHECK(inspected["Mounts"][0]["Propagation"] == "rprivate");
  REQUIRE(d.run({"rm", "-f", id}).code == 0);

  r = d.try_run(
      {"run", "--rm", "--mount", "type=bind,source=/no/such/dir,target=/m", "busybox", "true"});
  INFO(r);
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("invalid mount config for type \"bind\": bind source path does not "
                             "exist: /no/such/dir"));
  r = d.try_run({"run", "--mount", "type=tmpfs,source=x,target=/m", "busybox", "true"});
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("invalid mount config for type \"tmpfs\": field Source must not be "
                             "specified"));
  r = d.try_run({"run", "-v", "/a:/b:bad", "busybox", "true"});
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("invalid mode: bad"));
  CHECK(eventually([&] { return trim(d.run({"ps", "-aq"}).out).empty(); }, 10));
}

TEST_CASE("volumes shared with --volumes-from, read-write and read-only",
          "[integration][volumes]") {
  Daemon d;
  auto src =
      trim(d.run({"create", "--name", "src", "-v", "shv:/shared", "-v", "/anon", "busybox"}).out);
  REQUIRE(is_hex_id(src));
  auto r = d.run({"run", "--rm", "--volumes-from", "src", "busybox", "sh", "-c",
                  "echo one > /shared/x; echo two > /anon/y"});
  INFO(r);
  REQUIRE(r.code == 0);
  r = d.run({"run", "--rm", "--volumes-from", "src:ro", "busybox", "sh", "-c",
             "cat /shared/x /anon/y; touch /shared/z"});
  INFO(r);
  CHECK(r.out == "one\ntwo\n");
  CHECK_THAT(r.err, Contains("Read-only file system"));
  // Written in one running container, read in the other.
  auto writer = d.run_detached(
      {"--volumes-from", "src", "busybox", "sh", "-c", "echo live > /shared/live; sleep 300"});
  auto reader = d.run_detached({"--volumes-from", "src:ro", "busybox", "sleep", "300"});
  CHECK(eventually(
      [&] {
        return d.try_run({"exec", reader, "cat", "/shared/live"}).out == "live\n";
      },
      10));
  r = d.try_run({"run", "--rm", "--volumes-from", "nosuch", "busybox", "true"});
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("No such container: nosuch"));
  REQUIRE(d.run({"rm", "-f", writer, reader}).code == 0);
  // Its anonymous volume is the source's: the source's rm -v removes it.
  std::string anon = volume_at(d, "src", "/anon");
  REQUIRE(d.run({"rm", "-v", "src"}).code == 0);
  CHECK(eventually([&] { return !has(volume_names(d), anon); }, 10));
  CHECK(has(volume_names(d), "shv"));
}

TEST_CASE("bind propagation rslave shows what the host mounts later: rprivate does not",
          "[volumes][integration]") {
  Daemon d;
  // A shared mount point of the test's own, with a tmpfs mounted under it once the
  // containers run: propagation is about mounts that come later.
  const std::string src = d.dir() + "/prop";
  REQUIRE(::mkdir(src.c_str(), 0755) == 0);
  REQUIRE(::mount(src.c_str(), src.c_str(), nullptr, MS_BIND, nullptr) == 0);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{src};
  REQUIRE(::mount(nullptr, src.c_str(), nullptr, MS_SHARED, nullptr) == 0);
  auto slave = d.run_detached({"-v", src + ":/p:rslave", "busybox", "sleep", "300"});
  auto priv = d.run_detached({"-v", src + ":/p", "busybox", "sleep", "300"});
  const std::string sub = src + "/sub";
  REQUIRE(::mkdir(sub.c_str(), 0755) == 0);
  REQUIRE(::mount("tmpfs", sub.c_str(), "tmpfs", 0, "size=1m") == 0);
  struct Unmount sub_unmount {
    sub
  };
  std::ofstream(sub + "/f") << "from the host\n";
  CHECK(d.run({"exec", slave, "cat", "/p/sub/f"}).out == "from the host\n");
  auto r = d.try_run({"exec", priv, "cat", "/p/sub/f"});
  CHECK(r.code != 0);
  CHECK(d.inspect(slave)["Mounts"][0]["Propagation"] == "rslave");
  d.check_run_refused({"-v", src + ":/p:rshared", "busybox", "true"},
                      "bind propagation rshared is not supported");
  REQUIRE(d.run({"rm", "-f", slave, priv}).code == 0);
}
