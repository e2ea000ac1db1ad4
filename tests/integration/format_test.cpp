// --format and -f/--format of every listing and inspect command, through real containers:
// Go templates as Docker users write them, Docker's tables, field names and JSON types,
// and Docker's texts for templates that do not parse or do not run.
#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;
using Catch::StartsWith;
using nlohmann::json;

namespace {

std::set<std::string> line_set(const std::string& out) {
  auto all = lines(out);
  return {all.begin(), all.end()};
}

}  // namespace

TEST_CASE("ps --format: templates, tables and Docker's JSON", "[integration][format]") {
  Daemon d;
  std::string web = d.run_detached(
      {"--name", "web", "-l", "tier=front", "-v", "data:/data", "busybox", "sleep", "1000"});
  auto done = d.run({"run", "--name", "done", "busybox", "sh", "-c", "exit 3"});
  REQUIRE(done.code == 3);

  auto r = d.run({"ps", "--format", "{{.Names}}"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "web\n");
  r = d.run({"ps", "-a", "--format", "{{.Names}}: {{.State}}"});
  CHECK(line_set(r.out) == std::set<std::string>{"web: running", "done: exited"});

  r = d.run({"ps", "--format", "table {{.ID}}\\t{{.Names}}\\t{{.State}}"});
  INFO(r);
  CHECK(lines(r.out) == std::vector<std::string>{"CONTAINER ID   NAMES     STATE",
                                                 web.substr(0, 12) + "   web       running"});

  r = d.run({"ps", "--format",
             "{{.Label \"tier\"}} {{.Labels}} {{.Mounts}} {{.LocalVolumes}} {{.Networks}}"});
  CHECK(r.out == "front tier=front data 1 bridge\n");
  r = d.run({"ps", "--format",
             "{{.Names | upper}} {{len .ID}} {{if eq .State \"running\"}}up{{else}}down{{end}} "
             "{{printf \"%-5s|\" .Names}} {{.Command}}"});
  CHECK(r.out == "WEB 12 up web  | \"sleep 1000\"\n");

  // Docker's default columns, aligned by its tabwriter.
  r = d.run({"ps"});
  REQUIRE(lines(r.out).size() == 2);
  CHECK(std::regex_match(
      lines(r.out)[0],
      std::regex("CONTAINER ID   IMAGE     COMMAND +CREATED +STATUS +PORTS +NAMES")));

  // json: every field Docker's formatter has, every one a string.
  r = d.run({"ps", "-a", "--format", "json"});
  auto rows = lines(r.out);
  REQUIRE(rows.size() == 2);
  for (const auto& line : rows) {
    auto row = json::parse(line);
    std::set<std::string> keys;
    for (auto& [k, v] : row.items()) {
      keys.insert(k);
      CHECK(v.is_string());
    }
    CHECK(keys == std::set<std::string>{"Command", "CreatedAt", "ID", "Image", "Labels",
                                        "LocalVolumes", "Mounts", "Names", "Networks", "Ports",
                                        "RunningFor", "Size", "State", "Status"});
    CHECK(std::regex_match(row.value("CreatedAt", ""),
                           std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+)")));
    CHECK_THAT(row.value("RunningFor", ""), Contains(" ago"));
    if (row["Names"] == "done") {
      CHECK_THAT(row.value("Status", ""), StartsWith("Exited (3) "));
      CHECK(row["Command"] == "\"sh -c exit 3\"");
    } else {
      CHECK(row["Labels"] == "tier=front");
      CHECK(row["Command"] == "\"sleep 1000\"");
    }
  }
  r = d.run({"ps", "--format", "{{json .}}"});
  CHECK(json::parse(r.out)["Names"] == "web");

  // Docker's texts for a template that does not run or does not parse; nothing on stdout.
  r = d.try_run({"ps", "--format", "{{.Names}} {{.Nope}}"});
  CHECK(r.code == 1);
  CHECK(r.out == "");
  CHECK_THAT(r.err, Contains("template parsing error: template: :1:13: executing \"\" at "
                             "<.Nope>: can't evaluate field Nope in type "
                             "*formatter.ContainerContext"));
  r = d.try_run({"ps", "--format", "{{foo .Names}}"});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("template parsing error: template: :1: function \"foo\" not defined"));
}

TEST_CASE("inspect -f/--format: Go templates over Docker's objects", "[integration][format]") {
  Daemon d;
  std::string web = d.run_detached(
      {"--name", "web", "-l", "tier=front", "-v", "data:/data", "busybox", "sleep", "1000"});
  REQUIRE(d.run({"run", "--name", "done", "busybox", "sh", "-c", "exit 3"}).code == 3);

  auto r = d.run({"inspect", "-f", "{{.State.ExitCode}}", "done"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "3\n");
  r = d.run({"inspect", "--format", "{{json .Config}}", "web"});
  CHECK(json::parse(r.out) == d.inspect(web)["Config"]);
  r = d.run({"inspect", "-f", "{{.Name}} {{.Config.Labels.tier}} {{.Config.Labels.nope}}", "web"});
  CHECK(r.out == "/web front <no value>\n");
  r = d.run({"inspect", "-f", "{{range .Mounts}}{{.Name}}:{{.Destination}}{{end}}", "web"});
  CHECK(r.out == "data:/data\n");
  r = d.run({"inspect", "-f",
             "{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{$n.IPAddress}}{{end}}",
             "web"});
  CHECK(r.out ==
        "bridge " + d.inspect(web)["NetworkSettings"]["IPAddress"].get<std::string>() + "\n");
  r = d.run({"inspect", "-f", "{{.Name}}", "web", "done"});
  CHECK(r.out == "/web\n/done\n");
  r = d.run({"inspect", "--format", "json", "web"});
  auto compact = json::parse(r.out);
  CHECK(compact.size() == 1);
  CHECK(r.out == compact.dump() + "\n");

  // One not found: the others print, the command fails.
  r = d.try_run({"inspect", "-f", "{{.Name}}", "web", "nope"});
  CHECK(r.code == 1);
  CHECK(r.out == "/web\n");
  CHECK_THAT(r.err, Contains("nope"));
  // A key the object lacks, and a template that does not parse (Docker's exit code 64).
  r = d.try_run({"inspect", "-f", "{{.Foo}}", "web"});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("template parsing error: template: :1:2: executing \"\" at <.Foo>: "
                             "map has no entry for key \"Foo\""));
  r = d.try_run({"inspect", "-f", "{{.Name", "web"});
  CHECK(r.code == 64);
  CHECK(r.out == "");
  CHECK_THAT(r.err, Contains("template parsing error: template: :1: unclosed action"));

  r = d.run({"image", "inspect", "-f", "{{index .RepoTags 0}} {{len .Id}}", "busybox"});
  CHECK(r.out == "busybox:latest 71\n");
}

TEST_CASE("images, network ls, volume ls and version --format", "[integration][format]") {
  Daemon d;
  auto r = d.run({"images", "--format", "{{.Repository}}:{{.Tag}}"});
  INFO(r);
  CHECK(r.out == "busybox:latest\n");
  r = d.run({"images", "--format", "table {{.Repository}}\\t{{.Tag}}"});
  CHECK(r.out == "REPOSITORY   TAG\nbusybox      latest\n");
  r = d.run({"images", "--format", "json"});
  auto image = json::parse(r.out);
  for (auto& [k, v] : image.items()) CHECK(v.is_string());
  CHECK(image["Containers"] == "0");
  r = d.try_run({"images", "--format", "{{.Nope}}"});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Contains("can't evaluate field Nope in type *formatter.ImageContext"));

  r = d.run({"network", "ls", "--format", "{{.Name}} {{.Driver}}"});
  CHECK(lines(r.out) == std::vector<std::string>{"bridge bridge", "host host", "none null"});
  r = d.run({"network", "ls", "--format", "table {{.Name}}\\t{{.Driver}}"});
  CHECK(lines(r.out) == std::vector<std::string>{"NAME      DRIVER", "bridge    bridge",
                                                 "host      host", "none      null"});
  r = d.run({"network", "inspect", "-f", "{{.Name}} {{.Driver}}", "bridge"});
  CHECK(r.out == "bridge bridge\n");

  REQUIRE(d.run({"volume", "create", "--label", "env=test", "v1"}).code == 0);
  r = d.run({"volume", "ls", "--format", "{{.Name}} {{.Driver}} {{.Label \"env\"}}"});
  CHECK(r.out == "v1 local test\n");
  r = d.run({"volume", "ls", "--format", "table {{.Name}}\\t{{.Labels}}"});
  CHECK(r.out == "VOLUME NAME   LABELS\nv1            env=test\n");
  r = d.run({"volume", "inspect", "-f", "{{.Mountpoint}}", "v1"});
  CHECK(r.out == d.root() + "/volumes/v1/_data\n");

  r = d.run({"version", "--format", "{{.Server.Version}}"});
  auto doc = json::parse(d.run({"version", "--format", "json"}).out);
  CHECK(!trim(r.out).empty());
  CHECK(r.out == doc["Server"]["Version"].get<std::string>() + "\n");
  CHECK(d.run({"version", "-f", "{{.Client.Os}}/{{.Server.Os}}"}).out == "linux/linux\n");
  r = d.try_run({"version", "--format", "{{.Server.Version"});
  CHECK(r.code == 64);
}
