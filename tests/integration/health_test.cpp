// Health checks through real containers: --health-* and the image's HEALTHCHECK probed as
// execs on the loop's timers; State.Health and Config.Healthcheck in inspect, the health in
// ps; probes stopping with the container; Docker's errors for bad values.
#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"
#include "http_fixtures.hpp"

using namespace asup::it;
using Catch::Contains;
using nlohmann::json;

namespace {

json health(Daemon& d, const std::string& id) {
  auto state = d.inspect(id)["State"];
  return state.contains("Health") ? state["Health"] : json();
}

std::string health_status(Daemon& d, const std::string& id) {
  auto h = health(d, id);
  return h.is_object() ? h["Status"].get<std::string>() : "";
}

// The STATUS column of `ps` for one container.
std::string ps_status(Daemon& d, const std::string& id) {
  for (auto& line : lines(d.run({"ps", "-a", "--format", "json"}).out)) {
    auto row = json::parse(line, nullptr, false);
    if (row.is_object() && row["ID"] == id.substr(0, 12)) return row["Status"].get<std::string>();
  }
  return "";
}

// End of the newest probe in the log, "" before the first.
std::string last_probe_end(Daemon& d, const std::string& id) {
  auto h = health(d, id);
  if (!h.is_object() || h["Log"].empty()) return "";
  return h["Log"].back()["End"].get<std::string>() + "#" + std::to_string(h["Log"].size());
}

// An image whose config has a HEALTHCHECK, built as an OCI layout around the host's
// static busybox and loaded; returns its name.
std::string load_checked_image(Daemon& d, const json& healthcheck) {
  std::ifstream in("/bin/busybox", std::ios::binary);
  std::string busybox((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(!busybox.empty());
  TarBuilder tar;
  tar.directory("bin")
      .file("bin/busybox", busybox, {0755})
      .symlink("bin/sh", "busybox")
      .symlink("bin/sleep", "busybox")
      .symlink("bin/cat", "busybox")
      .directory("tmp", {01777});
  OciLayoutBuilder layout(d.dir() + "/checked-layout");
  layout.add_layer(tar.bytes());
  layout.config()["architecture"] = "amd64";
  layout.config()["os"] = "linux";
  layout.config()["config"] = {{"Cmd", {"sleep", "1000"}}, {"Healthcheck", healthcheck}};
  layout.write_image("checked:v1");
  const std::string file = d.dir() + "/checked.tar";
  auto packed =
      run_tool({"/bin/tar", "-C", layout.dir(), "-cf", file, "oci-layout", "index.json", "blobs"});
  INFO(packed);
  REQUIRE(packed.code == 0);
  auto r = d.run({"load", "-i", file}, "", 120);
  INFO(r);
  REQUIRE(r.code == 0);
  return "checked:v1";
}

}  // namespace

TEST_CASE("a check turns healthy, then unhealthy once the file it reads is gone", "[health]") {
  Daemon d;
  auto id = d.run_detached({"--health-cmd", "cat /tmp/ok", "--health-interval", "100ms",
                            "--health-retries", "2", "busybox", "sh", "-c",
                            "echo fine > /tmp/ok; exec sleep 1000"});
  auto check = d.inspect(id)["Config"]["Healthcheck"];
  CHECK(check ==
        json{{"Test", {"CMD-SHELL", "cat /tmp/ok"}}, {"Interval", 100'000'000}, {"Retries", 2}});
  REQUIRE(eventually([&] { return health_status(d, id) == "healthy"; }, 20));
  auto h = health(d, id);
  CHECK(h["FailingStreak"] == 0);
  CHECK(h["Log"].back()["ExitCode"] == 0);
  CHECK(h["Log"].back()["Output"] == "fine\n");
  CHECK_THAT(h["Log"].back()["Start"].get<std::string>(), Contains("T"));
  CHECK(eventually([&] { return contains(ps_status(d, id), " (healthy)"); }, 10));
  CHECK(ps_status(d, id).rfind("Up ", 0) == 0);

  REQUIRE(d.run({"exec", id, "rm", "/tmp/ok"}).code == 0);
  REQUIRE(eventually([&] { return health_status(d, id) == "unhealthy"; }, 20));
  h = health(d, id);
  CHECK(h["FailingStreak"].get<int>() >= 2);
  CHECK(h["Log"].back()["ExitCode"] == 1);
  CHECK_THAT(h["Log"].back()["Output"].get<std::string>(), Contains("/tmp/ok"));
  CHECK(eventually([&] { return contains(ps_status(d, id), " (unhealthy)"); }, 10));
  // The log keeps the last five results.
  CHECK(eventually([&] { return health(d, id)["Log"].size() == 5; }, 20));
  CHECK(health(d, id)["Log"].size() == 5);

  // Healthy again on a success.
  REQUIRE(d.run({"exec", id, "sh", "-c", "echo back > /tmp/ok"}).code == 0);
  CHECK(eventually([&] { return health_status(d, id) == "healthy"; }, 20));
  CHECK(health(d, id)["FailingStreak"] == 0);
}

TEST_CASE("unhealthy only after `retries` failures in a row, any code but 0 failing", "[health]") {
  Daemon d;
  auto id = d.run_detached({"--health-cmd", "echo no; exit 3", "--health-interval", "1s",
                            "--health-retries", "3", "busybox", "sleep", "1000"});
  CHECK(health_status(d, id) == "starting");
  CHECK(contains(ps_status(d, id), " (health: starting)"));
  REQUIRE(eventually([&] { return health(d, id)["FailingStreak"] == 2; }, 20));
  CHECK(health_status(d, id) == "starting");
  REQUIRE(eventually([&] { return health(d, id)["FailingStreak"] == 3; }, 20));
  auto h = health(d, id);
  CHECK(h["Status"] == "unhealthy");
  CHECK(h["Log"].back()["ExitCode"] == 3);
  CHECK(h["Log"].back()["Output"] == "no\n");
}

TEST_CASE("a probe past its timeout is killed and recorded with -1", "[health]") {
  Daemon d;
  auto id =
      d.run_detached({"--health-cmd", "sleep 77", "--health-timeout", "300ms", "--health-interval",
                      "200ms", "--health-retries", "1", "busybox", "sleep", "1000"});
  REQUIRE(eventually([&] { return health_status(d, id) == "unhealthy"; }, 20));
  auto h = health(d, id);
  CHECK(h["Log"][0]["ExitCode"] == -1);
  CHECK(h["Log"][0]["Output"] == "Health check exceeded timeout (300ms)");
  // Each probe's command was killed at its timeout: they do not pile up in the container
  // (one may be under way).
  REQUIRE(eventually([&] { return health(d, id)["Log"].size() == 5; }, 20));
  auto r = d.run({"exec", id, "ps"});
  REQUIRE(r.code == 0);
  int sleeping = 0;
  for (auto& line : lines(r.out)) sleeping += contains(line, "sleep 77") ? 1 : 0;
  CHECK(sleeping <= 1);
}

TEST_CASE("failures in the start period do not count, the start interval paces them", "[health]") {
  Daemon d;
  auto id = d.run_detached({"--health-cmd", "exit 1", "--health-interval", "1h",
                            "--health-start-period", "1h", "--health-start-interval", "100ms",
                            "--health-retries", "1", "busybox", "sleep", "1000"});
  // Probed every 100ms (not every hour) while starting, and none of it counts.
  REQUIRE(eventually([&] { return health(d, id)["Log"].size() >= 3; }, 20));
  auto h = health(d, id);
  CHECK(h["Status"] == "starting");
  CHECK(h["FailingStreak"] == 0);
  CHECK(h["Log"].back()["ExitCode"] == 1);
  auto check = d.inspect(id)["Config"]["Healthcheck"];
  CHECK(check["StartPeriod"] == 3'600'000'000'000);
  CHECK(check["StartInterval"] == 100'000'000);
}

TEST_CASE("an image's HEALTHCHECK is probed without flags, flags and --no-healthcheck override it",
          "[health]") {
  Daemon d;
  auto image = load_checked_image(
      d, {{"Test", {"CMD-SHELL", "echo from-image"}}, {"Interval", 100'000'000}, {"Retries", 2}});
  auto shown = d.run({"image", "inspect", image});
  REQUIRE(shown.code == 0);
  CHECK(json::parse(shown.out)[0]["Config"]["Healthcheck"]["Test"] ==
        json{"CMD-SHELL", "echo from-image"});

  auto id = d.run_detached({image});
  CHECK(d.inspect(id)["Config"]["Healthcheck"] == json{{"Test", {"CMD-SHELL", "echo from-image"}},
                                                       {"Interval", 100'000'000},
                                                       {"Retries", 2}});
  REQUIRE(eventually([&] { return health_status(d, id) == "healthy"; }, 20));
  CHECK(health(d, id)["Log"].back()["Output"] == "from-image\n");

  // One flag replaces one value; the rest stays the image's.
  auto tuned = d.run_detached({"--health-retries", "7", "--health-timeout", "2s", image});
  CHECK(d.inspect(tuned)["Config"]["Healthcheck"] ==
        json{{"Test", {"CMD-SHELL", "echo from-image"}},
             {"Interval", 100'000'000},
             {"Timeout", 2'000'000'000},
             {"Retries", 7}});
  // --health-cmd replaces the test.
  auto other = d.run_detached({"--health-cmd", "echo mine", image});
  REQUIRE(eventually([&] { return health_status(d, other) == "healthy"; }, 20));
  CHECK(health(d, other)["Log"].back()["Output"] == "mine\n");

  // --no-healthcheck: Test NONE, no State.Health, nothing after "Up" in ps.
  auto quiet = d.run_detached({"--no-healthcheck", image});
  auto info = d.inspect(quiet);
  CHECK(info["Config"]["Healthcheck"]["Test"] == json{"NONE"});
  CHECK_FALSE(info["State"].contains("Health"));
  auto status = ps_status(d, quiet);
  CHECK(status.rfind("Up ", 0) == 0);
  CHECK_FALSE(contains(status, "("));
  // A container without a check at all has neither.
  auto plain = d.run_detached({"busybox", "sleep", "1000"});
  CHECK_FALSE(d.inspect(plain)["Config"].contains("Healthcheck"));
  CHECK_FALSE(d.inspect(plain)["State"].contains("Health"));
}

TEST_CASE("probes stop when the container pauses or stops, and start again with it", "[health]") {
  Daemon d;
  auto id = d.run_detached({"--tmpfs", "/tmp", "--health-cmd", "cat /tmp/ok", "--health-interval",
                            "100ms", "--health-retries", "10", "busybox", "sleep", "1000"});
  REQUIRE(d.run({"exec", id, "sh", "-c", "echo up > /tmp/ok"}).code == 0);
  REQUIRE(eventually([&] { return health_status(d, id) == "healthy"; }, 20));

  // Paused: the log stands still (Docker skips the probes of a paused container).
  REQUIRE(d.run({"pause", id}).code == 0);
  auto frozen = last_probe_end(d, id);
  CHECK_FALSE(eventually([&] { return last_probe_end(d, id) != frozen; }, 1));
  CHECK(ps_status(d, id).find("(Paused)") != std::string::npos);
  REQUIRE(d.run({"unpause", id}).code == 0);
  CHECK(eventually([&] { return last_probe_end(d, id) != frozen; }, 10));

  // Stopped: no probe after the stop.
  REQUIRE(d.run({"stop", "-t", "0", id}).code == 0);
  auto stopped = last_probe_end(d, id);
  CHECK_FALSE(eventually([&] { return last_probe_end(d, id) != stopped; }, 1));
  CHECK(d.status(id) == "exited");

  // A new run starts at "starting" again (its /tmp is a new tmpfs: the check fails).
  REQUIRE(d.run({"start", id}).code == 0);
  auto h = health(d, id);
  CHECK(h["Status"] == "starting");
  CHECK(h["FailingStreak"].get<int>() < 10);
  CHECK(eventually([&] { return health(d, id)["FailingStreak"].get<int>() >= 1; }, 20));
  CHECK(health_status(d, id) == "starting");

  // Removed: its checks go with it.
  REQUIRE(d.run({"rm", "-f", id}).code == 0);
  CHECK(d.run({"ps", "-a", "-q"}).out == "");
}

TEST_CASE("health survives an asupd restart and the probes go on", "[health]") {
  Daemon d;
  auto id = d.run_detached(
      {"--health-cmd", "echo ok", "--health-interval", "200ms", "busybox", "sleep", "1000"});
  REQUIRE(eventually([&] { return health_status(d, id) == "healthy"; }, 20));
  d.restart();
  CHECK(health_status(d, id) == "healthy");
  auto before = last_probe_end(d, id);
  CHECK_FALSE(before.empty());
  CHECK(eventually([&] { return last_probe_end(d, id) != before; }, 20));
  CHECK(contains(ps_status(d, id), "(healthy)"));
}

TEST_CASE("bad health values are refused with Docker's words, leaving nothing", "[health]") {
  Daemon d;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--health-interval", "abc"},
       "invalid argument \"abc\" for \"--health-interval\" flag: time: invalid duration \"abc\""},
      {{"--health-timeout", "5"},
       "invalid argument \"5\" for \"--health-timeout\" flag: time: missing unit in duration "
       "\"5\""},
      {{"--health-start-period", "3d"},
       "invalid argument \"3d\" for \"--health-start-period\" flag: time: unknown unit \"d\" in "
       "duration \"3d\""},
      {{"--health-start-interval", "x1s"},
       "invalid argument \"x1s\" for \"--health-start-interval\" flag: time: invalid duration "
       "\"x1s\""},
      {{"--health-retries", "many"},
       "invalid argument \"many\" for \"--health-retries\" flag: strconv.ParseInt: parsing "
       "\"many\": invalid syntax"},
      {{"--health-cmd", "true", "--health-interval", "-1s"},
       "--health-interval cannot be negative"},
      {{"--health-retries", "-2"}, "--health-retries cannot be negative"},
      {{"--no-healthcheck", "--health-cmd", "true"},
       "--no-healthcheck conflicts with --health-* options"},
      {{"--health-cmd", "true", "--health-interval", "500us"},
       "Interval in Healthcheck cannot be less than 1ms"},
      {{"--health-cmd", "true", "--health-timeout", "10ns"},
       "Timeout in Healthcheck cannot be less than 1ms"},
      {{"--health-cmd", "true", "--health-start-period", "1ns"},
       "StartPeriod in Healthcheck cannot be less than 1ms"},
      {{"--health-cmd", "true", "--health-start-interval", "999us"},
       "StartInterval in Healthcheck cannot be less than 1ms"},
  };
  for (const auto& [flags, message] : cases) {
    for (const char* command : {"run", "create"}) {
      std::vector<std::string> args{command};
      if (std::string(command) == "run") args.push_back("-d");
      args.insert(args.end(), flags.begin(), flags.end());
      args.insert(args.end(), {"busybox", "true"});
      auto r = d.try_run(args);
      INFO(r);
      CHECK(r.code == 125);
      CHECK(lines(r.err).size() == 1);
      CHECK_THAT(r.err, Contains(message));
      CHECK(r.out == "");
    }
  }
  CHECK(d.run({"ps", "-a", "-q"}).out == "");
}
