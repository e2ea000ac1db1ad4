// The protocol's JSON mapping (src/api/fields.hpp): values survive a round trip, absent and
// null fields keep their defaults, a field of the wrong type is refused by name, unknown
// fields are ignored and unset optionals are left out.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "api/replies.hpp"
#include "api/requests.hpp"

using namespace asup;
using nlohmann::json;

namespace {

// The message of decoding `j` as T, which must fail.
template <class T>
std::string refusal(const json& j) {
  auto decoded = api::decode<T>(j);
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == EINVAL);
  return decoded.error().message;
}

std::string wrong_type(const std::string& field) {
  return "invalid request: field \"" + field + "\" has the wrong type";
}

}  // namespace

TEST_CASE("a request survives encode and decode with every field set", "[api][codec]") {
  api::RunRequest run;
  run.image = "busybox";
  run.cmd = {"sh", "-c", "echo hi"};
  run.entrypoint = "";
  run.env = {"A=1", "B=2"};
  run.workdir = "/tmp";
  run.user = "1000:1000";
  run.hostname = "box";
  run.name = "web";
  run.volumes = {"/src:/dst:ro"};
  run.tmpfs = {"/run:size=1m"};
  run.devices = {"/dev/null:/dev/xnull:r"};
  run.memory = std::int64_t{64} << 20;
  run.cpus = 0.5;
  run.pids_limit = -1;
  run.log_size = 4096;
  run.detach = true;
  run.rm = true;
  run.interactive = true;
  run.network = "net1";
  run.ip = "10.89.0.7";
  run.publish = {"8080:80", "53/udp"};
  run.publish_all = true;
  run.network_aliases = {"alias"};

  json line = api::request_line(run);
  CHECK(line["op"] == "run");
  auto back = api::decode<api::RunRequest>(line);
  REQUIRE(back);
  // Every field made it there and back: the encodings agree.
  CHECK(api::encode(back.value()) == api::encode(run));
  CHECK(back.value().entrypoint == std::optional<std::string>(""));
  CHECK(back.value().cpus == std::optional<double>(0.5));
  CHECK(back.value().pids_limit == std::optional<std::int64_t>(-1));
  CHECK(back.value().publish == run.publish);
}

TEST_CASE("a reply with nested structs survives encode and decode", "[api][codec]") {
  api::PsResult ps;
  api::ContainerSummary c;
  c.id = "abc";
  c.name = "web";
  c.command = {"sleep", "1"};
  c.created = 1700000000123456789;
  c.state = "running";
  c.exit_code = 137;
  c.oom_killed = true;
  c.ports = {{"0.0.0.0", 8080, 80, "tcp"}, {"::", 5353, 53, "udp"}};
  c.networks = {"bridge"};
  ps.containers = {c, api::ContainerSummary{}};

  json line = api::reply_line(ps);
  CHECK(line["type"] == "result");
  auto back = api::decode<api::PsResult>(line);
  REQUIRE(back);
  REQUIRE(back.value().containers.size() == 2);
  auto& got = back.value().containers[0];
  CHECK(got.created == 1700000000123456789);
  CHECK(got.oom_killed);
  REQUIRE(got.ports.size() == 2);
  CHECK(got.ports[1].host_ip == "::");
  CHECK(got.ports[1].protocol == "udp");
  CHECK(api::encode(back.value()) == api::encode(ps));

  api::InspectResult inspect;
  inspect.items = {json{{"Id", "abc"}, {"State", {{"Running", true}}}}, json::array({1, "x"})};
  inspect.errors = {"No such object: nope"};
  auto inspected = api::decode<api::InspectResult>(api::reply_line(inspect));
  REQUIRE(inspected);
  CHECK(inspected.value().items == inspect.items);  // any JSON, kept as it is
  CHECK(inspected.value().errors == inspect.errors);
}

TEST_CASE("absent and null fields keep the type's defaults", "[api][codec]") {
  for (const json& j : {json::object(), json{{"timeout", nullptr}, {"ids", nullptr}}}) {
    INFO(j.dump());
    auto stop = api::decode<api::StopRequest>(j);
    REQUIRE(stop);
    CHECK_FALSE(stop.value().timeout);  // the container's own stop timeout applies
    CHECK(stop.value().ids.empty());
  }
  auto run = api::decode<api::RunRequest>(
      json{{"image", "busybox"}, {"network", nullptr}, {"workdir", nullptr}});
  REQUIRE(run);
  CHECK(run.value().network == "bridge");
  CHECK(run.value().log_size == std::uint64_t{1} << 20);
  CHECK_FALSE(run.value().workdir);  // null leaves an optional unset
  CHECK_FALSE(run.value().memory);
  auto kill = api::decode<api::KillRequest>(json{{"ids", json::array({"a"})}});
  REQUIRE(kill);
  CHECK(kill.value().signal == "KILL");
  auto error = api::decode<api::Error>(json{{"type", "error"}, {"message", "no"}});
  REQUIRE(error);
  CHECK(error.value().exit == 125);
  CHECK_FALSE(error.value().no_such_image);
}

TEST_CASE("a field of the wrong type is refused, naming the field", "[api][codec]") {
  // A string for an integer, a float for an integer.
  CHECK(refusal<api::StopRequest>(json{{"timeout", "10"}}) == wrong_type("timeout"));
  CHECK(refusal<api::StopRequest>(json{{"timeout", 1.5}}) == wrong_type("timeout"));
  // A whole number written as a float is still a float.
  CHECK(refusal<api::StopRequest>(json{{"timeout", 10.0}}) == wrong_type("timeout"));
  // Negative for an unsigned field, plain or optional.
  CHECK(refusal<api::RunRequest>(json{{"log_size", -1}}) == wrong_type("log_size"));
  CHECK(refusal<api::Notice>(json{{"skipped_bytes", -5}}) == wrong_type("skipped_bytes"));
  // Out of range: past int, past int64.
  CHECK(refusal<api::Exit>(json{{"exit_code", std::int64_t{1} << 31}}) == wrong_type("exit_code"));
  CHECK(refusal<api::Exit>(json{{"exit_code", std::numeric_limits<std::int64_t>::min()}}) ==
        wrong_type("exit_code"));
  CHECK(refusal<api::Progress>(json{{"current", std::numeric_limits<std::uint64_t>::max()}}) ==
        wrong_type("current"));
  // A string, a bool, a list, an object: each where another is due.
  CHECK(refusal<api::PsRequest>(json{{"all", 1}}) == wrong_type("all"));
  CHECK(refusal<api::RunRequest>(json{{"image", json::array({"busybox"})}}) == wrong_type("image"));
  CHECK(refusal<api::RunRequest>(json{{"cmd", "echo hi"}}) == wrong_type("cmd"));
  CHECK(refusal<api::RunRequest>(json{{"cpus", "2"}}) == wrong_type("cpus"));
  CHECK(refusal<api::RunRequest>(json{{"entrypoint", json::object()}}) == wrong_type("entrypoint"));
  // An array element of the wrong type: named with its index.
  CHECK(refusal<api::StopRequest>(json{{"ids", json::array({"a", 1})}}) == wrong_type("ids[1]"));
  CHECK(refusal<api::RunRequest>(json{{"env", json::array({"A=1", nullptr})}}) ==
        wrong_type("env[1]"));
  // A field of a nested struct: named by its path.
  auto ps = json::parse(R"({"containers":[{"id":"a"},{"ports":[{"host_port":"80"}]}]})");
  CHECK(refusal<api::PsResult>(ps) == wrong_type("containers[1].ports[0].host_port"));
  auto rmi = json::parse(R"({"results":[{"name":"a","lines":[true]}]})");
  CHECK(refusal<api::OutcomesResult>(rmi) == wrong_type("results[0].lines[0]"));
  // Not an object at all.
  CHECK(refusal<api::PsRequest>(json::array()) == "invalid request: not a JSON object");
  CHECK(refusal<api::PsRequest>(json("ps")) == "invalid request: not a JSON object");
}

TEST_CASE("numbers in range are taken at the field's width", "[api][codec]") {
  auto exit = api::decode<api::Exit>(json{{"exit_code", -1}});
  REQUIRE(exit);
  CHECK(exit.value().exit_code == -1);
  auto notice = api::decode<api::Notice>(json{{"dropped_bytes", std::uint64_t{1} << 63}});
  REQUIRE(notice);
  CHECK(notice.value().dropped_bytes == std::uint64_t{1} << 63);
  // An integer is a number for a floating field.
  auto run = api::decode<api::RunRequest>(json{{"cpus", 2}});
  REQUIRE(run);
  CHECK(run.value().cpus == std::optional<double>(2.0));
}

TEST_CASE("fields a type does not know are ignored", "[api][codec]") {
  auto stop = api::decode<api::StopRequest>(
      json::parse(R"({"op":"stop","ids":["a"],"future":{"x":1},"timeout":3})"));
  REQUIRE(stop);
  CHECK(stop.value().ids == std::vector<std::string>{"a"});
  CHECK(stop.value().timeout == 3);
  auto created = api::decode<api::Created>(json{{"type", "created"}, {"id", "x"}, {"extra", 1}});
  REQUIRE(created);
  CHECK(created.value().id == "x");
}

TEST_CASE("unset optionals are left out when encoding, set ones are sent", "[api][codec]") {
  api::ExecRequest exec;
  exec.id = "c";
  exec.cmd = {"true"};
  json j = api::request_line(exec);
  CHECK_FALSE(j.contains("workdir"));
  CHECK_FALSE(j.contains("user"));
  // Plain fields go out with their defaults: the receiver needs no default of its own.
  CHECK(j["interactive"] == false);
  CHECK(j["env"] == json::array());
  exec.workdir = "";
  exec.user = "nobody";
  j = api::request_line(exec);
  CHECK(j["workdir"] == "");  // set, even to "", is not unset
  CHECK(j["user"] == "nobody");

  api::Error error{125, "no such image", std::nullopt};
  CHECK_FALSE(api::reply_line(error).contains("no_such_image"));
  error.no_such_image = true;
  CHECK(api::reply_line(error)["no_such_image"] == true);
  CHECK(api::reply_line(api::Exit{0, std::nullopt}) == json{{"type", "exit"}, {"exit_code", 0}});
  CHECK(api::reply_line(api::Started{}) == json{{"type", "started"}});
}

TEST_CASE("field names are the JSON names, in declaration order", "[api][codec]") {
  CHECK(api::field_names<api::StopRequest>() ==
        std::vector<std::string>{"ids", "timeout", "signal"});
  CHECK(api::field_names<api::Exit>() == std::vector<std::string>{"exit_code", "message"});
  CHECK(api::field_names<api::ImagesRequest>().empty());
}

namespace {

// A type with the shapes no protocol type has yet: a map, a list of lists.
struct Shapes {
  std::map<std::string, std::int64_t> sizes;
  std::vector<std::vector<std::string>> rows;
  ASUP_API_FIELDS(sizes, rows)
};

}  // namespace

TEST_CASE("maps and nested lists are mapped too", "[api][codec]") {
  Shapes shapes;
  shapes.sizes = {{"a", 1}, {"b", -2}};
  shapes.rows = {{"x", "y"}, {}};
  json j = api::encode(shapes);
  CHECK(j == json::parse(R"({"sizes":{"a":1,"b":-2},"rows":[["x","y"],[]]})"));
  auto back = api::decode<Shapes>(j);
  REQUIRE(back);
  CHECK(back.value().sizes == shapes.sizes);
  CHECK(back.value().rows == shapes.rows);
  CHECK(refusal<Shapes>(json::parse(R"({"sizes":{"a":"1"}})")) == wrong_type("sizes.a"));
  CHECK(refusal<Shapes>(json::parse(R"({"sizes":[1]})")) == wrong_type("sizes"));
  CHECK(refusal<Shapes>(json::parse(R"({"rows":[["x"],["y",2]]})")) == wrong_type("rows[1][1]"));
}
