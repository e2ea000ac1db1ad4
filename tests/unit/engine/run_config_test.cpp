#include <unistd.h>

#include <catch2/catch.hpp>

#include "engine/run_config.hpp"

using namespace asup;
using namespace asup::engine;

namespace {

image::ImageConfig busybox_like() {
  image::ImageConfig img;
  img.cmd = {"sh"};
  img.env = {"PATH=/bin:/usr/bin", "LANG=C"};
  return img;
}

// What asupd does with a run request line: typed decoding, then the checks.
Result<RunRequest> parse_run_request(const nlohmann::json& j) {
  ASUP_TRY(auto request, api::decode<RunRequest>(j));
  return check_run_request(std::move(request));
}

ContainerConfig fresh() {
  ContainerConfig c;
  c.id = std::string(64, 'a');
  c.name = "test";
  return c;
}

}  // namespace

TEST_CASE("the image's Cmd runs when no command is given", "[run_config]") {
  RunRequest r;
  r.image = "busybox";
  auto c = fresh();
  REQUIRE(merge_run_config(r, busybox_like(), c));
  CHECK(c.argv == std::vector<std::string>{"sh"});
  CHECK(c.workdir == "/");
  CHECK(c.hostname == std::string(12, 'a'));
}

TEST_CASE("command arguments replace Cmd but keep Entrypoint", "[run_config]") {
  auto img = busybox_like();
  img.entrypoint = {"/entry", "--flag"};
  RunRequest r;
  r.cmd = {"echo", "hi"};
  auto c = fresh();
  REQUIRE(merge_run_config(r, img, c));
  CHECK(c.argv == std::vector<std::string>{"/entry", "--flag", "echo", "hi"});
}

TEST_CASE("the --entrypoint flag replaces Entrypoint and drops the image's Cmd", "[run_config]") {
  auto img = busybox_like();
  img.entrypoint = {"/entry"};
  RunRequest r;
  r.entrypoint = "echo";
  auto c = fresh();
  REQUIRE(merge_run_config(r, img, c));
  CHECK(c.argv == std::vector<std::string>{"echo"});
  r.cmd = {"hi"};
  auto c2 = fresh();
  REQUIRE(merge_run_config(r, img, c2));
  CHECK(c2.argv == std::vector<std::string>{"echo", "hi"});
}

TEST_CASE("an empty --entrypoint with no command is an error", "[run_config]") {
  RunRequest r;
  r.entrypoint = "";
  auto c = fresh();
  auto result = merge_run_config(r, busybox_like(), c);
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "no command specified");
}

TEST_CASE("the -e flag overrides the image's Env by key, and PATH and HOSTNAME are set",
          "[run_config]") {
  RunRequest r;
  r.env = {"LANG=en_US.UTF-8", "FOO=bar"};
  r.hostname = "box";
  auto c = fresh();
  REQUIRE(merge_run_config(r, busybox_like(), c));
  CHECK(c.env == std::vector<std::string>{"PATH=/bin:/usr/bin", "LANG=en_US.UTF-8", "HOSTNAME=box",
                                          "FOO=bar"});
  image::ImageConfig no_path;
  no_path.cmd = {"sh"};
  auto c2 = fresh();
  REQUIRE(merge_run_config(RunRequest{}, no_path, c2));
  CHECK(c2.env.front().rfind("PATH=/usr/local/sbin:", 0) == 0);
}

TEST_CASE("workdir and user: flags override the image, relative workdir refused", "[run_config]") {
  auto img = busybox_like();
  img.working_dir = "/app";
  img.user = "www-data";
  auto c = fresh();
  REQUIRE(merge_run_config(RunRequest{}, img, c));
  CHECK(c.workdir == "/app");
  CHECK(c.user == "www-data");
  RunRequest r;
  r.workdir = "/tmp";
  r.user = "0:0";
  auto c2 = fresh();
  REQUIRE(merge_run_config(r, img, c2));
  CHECK(c2.workdir == "/tmp");
  CHECK(c2.user == "0:0");
  r.workdir = "relative";
  auto c3 = fresh();
  auto bad = merge_run_config(r, img, c3);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("needs to be an absolute path") != std::string::npos);
}

TEST_CASE("volumes and tmpfs are validated", "[run_config]") {
  RunRequest r;
  r.volumes = {"/host:/ctr:ro"};
  r.tmpfs = {"/scratch"};
  auto c = fresh();
  REQUIRE(merge_run_config(r, busybox_like(), c));
  REQUIRE(c.volumes.size() == 1);
  CHECK(c.volumes[0].spec.read_only);
  r.tmpfs = {"scratch"};
  auto c2 = fresh();
  CHECK_FALSE(merge_run_config(r, busybox_like(), c2));
  r.tmpfs = {};
  r.volumes = {"/ctr:ro"};
  auto c3 = fresh();
  CHECK_FALSE(merge_run_config(r, busybox_like(), c3));
  // Nothing may take the place of the container's procfs, sysfs or /dev.
  r.volumes = {"/tmp:/proc"};
  auto c4 = fresh();
  CHECK_FALSE(merge_run_config(r, busybox_like(), c4));
  r.volumes = {};
  r.tmpfs = {"/proc"};
  auto c5 = fresh();
  auto refused = merge_run_config(r, busybox_like(), c5);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("invalid mount destination \"/proc\"") != std::string::npos);
}

TEST_CASE("device entries are parsed, kept in the config and validated", "[run_config]") {
  auto req = parse_run_request(
      {{"image", "busybox"}, {"devices", {"/dev/loop3", "/dev/loop4:/dev/xvda:r"}}});
  REQUIRE(req);
  auto c = fresh();
  REQUIRE(merge_run_config(req.value(), busybox_like(), c));
  REQUIRE(c.devices.size() == 2);
  CHECK(c.devices[0] == launch::DeviceMapping{"/dev/loop3", "/dev/loop3", "rwm"});
  CHECK(c.devices[1] == launch::DeviceMapping{"/dev/loop4", "/dev/xvda", "r"});
  // The config keeps them across a restart of asupd.
  CHECK(config_from_json(to_json(c)).devices == c.devices);

  RunRequest bad;
  bad.devices = {"/dev/loop3:/dev/xvda:rx"};
  auto c2 = fresh();
  auto r = merge_run_config(bad, busybox_like(), c2);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "invalid device mode: rx");
  CHECK_FALSE(parse_run_request({{"image", "busybox"}, {"devices", "/dev/loop3"}}));
}

TEST_CASE("run requests are parsed with type checks", "[run_config]") {
  auto ok = parse_run_request({{"image", "busybox"},
                               {"cmd", {"true"}},
                               {"memory", 67108864},
                               {"cpus", 0.5},
                               {"pids_limit", 20},
                               {"rm", true}});
  REQUIRE(ok);
  CHECK(ok.value().memory == 67108864);
  CHECK(ok.value().cpus == 0.5);
  CHECK(ok.value().rm);
  CHECK_FALSE(parse_run_request({{"cmd", {"true"}}}));
  CHECK_FALSE(parse_run_request({{"image", "busybox"}, {"cmd", "true"}}));
  CHECK_FALSE(parse_run_request({{"image", "busybox"}, {"memory", 1024}}));
  CHECK_FALSE(parse_run_request({{"image", "busybox"}, {"name", "bad name"}}));
  CHECK_FALSE(parse_run_request({{"image", "busybox"}, {"env", {"=x"}}}));
}

TEST_CASE("network options follow Docker's rules", "[run_config][network]") {
  auto img = busybox_like();
  img.exposed_ports = {"80/tcp", "53/udp"};
  {
    auto parsed = parse_run_request({{"image", "busybox"}});
    REQUIRE(parsed);
    CHECK(parsed.value().network == "bridge");
    auto c = fresh();
    REQUIRE(merge_run_config(parsed.value(), img, c));
    CHECK(c.network_mode == "bridge");
    CHECK(c.publish.empty());
  }
  {
    // -P adds every exposed port, after the explicit ones.
    auto parsed =
        parse_run_request({{"image", "busybox"}, {"publish", {"8080:80"}}, {"publish_all", true}});
    REQUIRE(parsed);
    auto c = fresh();
    REQUIRE(merge_run_config(parsed.value(), img, c));
    CHECK(c.publish == std::vector<std::string>{"8080:80", "80/tcp", "53/udp"});
  }
  {
    RunRequest r;
    r.image = "busybox";
    r.network = "host";
    r.publish = {"8080:80"};
    auto c = fresh();
    REQUIRE(merge_run_config(r, img, c));
    CHECK(c.publish.empty());  // the host's ports are the container's
  }
  auto refused = [&](RunRequest r, const std::string& message) {
    r.image = "busybox";
    auto c = fresh();
    auto merged = merge_run_config(r, img, c);
    REQUIRE_FALSE(merged);
    CHECK_THAT(merged.error().message, Catch::Contains(message));
  };
  RunRequest none;
  none.network = "none";
  none.publish = {"80"};
  refused(none, "conflicting options");
  RunRequest ip_on_default;
  ip_on_default.ip = "10.88.0.9";
  refused(ip_on_default, "user defined networks only");
  RunRequest alias_on_default;
  alias_on_default.network_aliases = {"web"};
  refused(alias_on_default, "user defined networks");
  CHECK_FALSE(parse_run_request({{"image", "busybox"}, {"publish", "80"}}));
  CHECK_FALSE(parse_run_request({{"image", "busybox"}, {"network", 5}}));
}

TEST_CASE("run requests: numbers finite and in range, names and host names checked",
          "[run_config]") {
  auto with = [](nlohmann::json extra) {
    nlohmann::json j{{"image", "busybox"}};
    j.update(extra);
    return parse_run_request(j);
  };
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  CHECK(with({{"cpus", 0.01}}));
  CHECK(with({{"cpus", static_cast<double>(cpus)}}));
  for (double bad : {0.0, 0.001, -1.0, static_cast<double>(cpus) + 0.5, 1e300}) {
    INFO(bad);
    auto r = with({{"cpus", bad}});
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "range of CPUs is from 0.01 to " + std::to_string(cpus) +
                                   ".00, as there are only " + std::to_string(cpus) +
                                   " CPUs available");
  }
  // JSON has no nan or inf; a client that sends them sends null or a string.
  CHECK_FALSE(with({{"cpus", "inf"}}));
  CHECK(with({{"log_size", kMaxLogSize}}));
  auto big = with({{"log_size", kMaxLogSize + 1}});
  REQUIRE_FALSE(big);
  CHECK(big.error().message == "--log-size must be at most 256m");
  CHECK_FALSE(with({{"log_size", 4095}}));
  CHECK_FALSE(with({{"name", "x\ny"}}));
  CHECK(with({{"name", "/web"}}).value().name == "web");
  CHECK_FALSE(with({{"hostname", "a\n6.6.6.6 evil"}}));
  CHECK_FALSE(with({{"network_aliases", {"ok", "no\nway"}}}));
}

TEST_CASE("the resource flags of run become the container's limits", "[run_config][resources]") {
  RunRequest r;
  r.image = "busybox";
  r.cpuset_cpus = "0-1";
  r.cpu_shares = 512;
  r.cpu_period = 50000;
  r.cpu_quota = 25000;
  r.memory = 64 << 20;
  r.memory_swap = -1;
  r.memory_reservation = 32 << 20;
  r.oom_kill_disable = true;
  r.blkio_weight = 300;
  r.oom_score_adj = -500;
  auto c = fresh();
  REQUIRE(merge_run_config(r, busybox_like(), c));
  CHECK(c.limits.cpuset_cpus == "0-1");
  CHECK_FALSE(c.limits.cpuset_mems);  // "" is not set
  CHECK(c.limits.cpu_shares == 512);
  CHECK(c.limits.cpu_period == 50000);
  CHECK(c.limits.cpu_quota == 25000);
  CHECK(c.limits.memory_swap == -1);
  CHECK(c.limits.memory_reservation == 32 << 20);
  CHECK(c.limits.oom_kill_disable == true);
  CHECK(c.limits.blkio_weight == 300);
  CHECK(c.oom_score_adj == -500);

  // Kept in config.json and read back.
  auto back = config_from_json(to_json(c));
  CHECK(back.limits.cpuset_cpus == c.limits.cpuset_cpus);
  CHECK(back.limits.cpu_shares == c.limits.cpu_shares);
  CHECK(back.limits.memory_swap == c.limits.memory_swap);
  CHECK(back.limits.memory_reservation == c.limits.memory_reservation);
  CHECK(back.limits.oom_kill_disable == c.limits.oom_kill_disable);
  CHECK(back.limits.blkio_weight == 300);
  CHECK(back.oom_score_adj == -500);
  CHECK(back.limits.memory_bytes == 64 << 20);

  // Not asked for: not set, so the group keeps the kernel's defaults.
  RunRequest plain;
  plain.image = "busybox";
  auto p = fresh();
  REQUIRE(merge_run_config(plain, busybox_like(), p));
  CHECK(p.limits.empty());
  CHECK_FALSE(p.oom_score_adj);
  CHECK(config_from_json(to_json(p)).limits.empty());

  // A weight past uint16 stays out of range, never wraps to a valid or an unset one.
  CHECK(blkio_weight_of(65536 + 300) == 65535);
  CHECK(blkio_weight_of(-1) == 65535);
}

TEST_CASE("an oom score adjustment is checked against the kernel's range",
          "[run_config][resources]") {
  auto check = [](std::int64_t v) {
    return parse_run_request({{"image", "busybox"}, {"oom_score_adj", v}});
  };
  CHECK(check(-1000));
  CHECK(check(1000));
  auto high = check(1001);
  REQUIRE_FALSE(high);
  CHECK(high.error().message == "Invalid value 1001, range for oom score adj is [-1000, 1000]");
  CHECK_FALSE(check(-1001));
}
