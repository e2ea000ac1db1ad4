// The hello is parsed into typed values or refused: each field of the wrong type, each
// path the daemon must not open, and the resync past bytes glued in front of a hello.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "control/hello.hpp"

using asup::control::find_hello;
using asup::control::parse_hello;
using nlohmann::json;

namespace {

const std::string kClients = "/run/asup/clients";

json good() {
  return json{{"hello", 1},
              {"pid", 1234},
              {"requests", kClients + "/c.1234.ab12cd/req"},
              {"replies", kClients + "/c.1234.ab12cd/rep"}};
}

bool refused(const json& hello) {
  return !parse_hello(hello.dump(), kClients);
}

}  // namespace

TEST_CASE("a well-formed hello is parsed into typed fields", "[control][hello]") {
  auto hello = parse_hello(good().dump(), kClients);
  REQUIRE(hello);
  CHECK(hello.value().version == 1);
  CHECK(hello.value().pid == 1234);
  CHECK(hello.value().dir == "c.1234.ab12cd");
  CHECK(hello.value().requests == "req");
  CHECK(hello.value().replies == "rep");
  // Fields added later by newer clients are ignored, as the protocol promises.
  auto more = good();
  more["terminal"] = true;
  CHECK(parse_hello(more.dump(), kClients));
}

TEST_CASE("a hello whose pid is not a positive integer is refused", "[control][hello]") {
  for (const json& pid : {json("x"), json(nullptr), json::array(), json::object(), json(1.5),
                          json(true), json(0), json(-7), json(1LL << 40), json("1234")}) {
    INFO("pid: " << pid.dump());
    auto hello = good();
    hello["pid"] = pid;
    auto parsed = parse_hello(hello.dump(), kClients);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find("\"pid\"") != std::string::npos);
  }
  auto hello = good();
  hello.erase("pid");
  CHECK(refused(hello));
}

TEST_CASE("a hello whose version is not a positive integer is refused", "[control][hello]") {
  for (const json& version : {json("1"), json(nullptr), json::array(), json::object(), json(1.0),
                              json(false), json(0), json(-1)}) {
    INFO("hello: " << version.dump());
    auto hello = good();
    hello["hello"] = version;
    CHECK(refused(hello));
  }
  auto hello = good();
  hello.erase("hello");
  CHECK(refused(hello));
}

TEST_CASE("a hello whose FIFO paths are not strings is refused", "[control][hello]") {
  for (const char* key : {"requests", "replies"}) {
    for (const json& value :
         {json(1), json(nullptr), json::array({"a"}), json::object(), json(true)}) {
      INFO(key << ": " << value.dump());
      auto hello = good();
      hello[key] = value;
      CHECK(refused(hello));
    }
    auto hello = good();
    hello.erase(key);
    CHECK(refused(hello));
  }
}

TEST_CASE("a hello naming paths a client dir cannot hold is refused", "[control][hello]") {
  for (std::string path :
       {std::string("/etc/passwd"), kClients + "/req", kClients + "/c.1/../../etc/shadow",
        kClients + "/../clients/c.1/req", kClients + "//c.1/req", kClients + "/c.1//req",
        kClients + "/c.1/sub/req", kClients + "/./req", kClients + "/../req", kClients + "/c.1/..",
        kClients + "/c.1/.", kClients + "/c.1/", kClients + "x/c.1/req",
        std::string("clients/c.1/req"), kClients + "/c.1/re" + std::string(1, '\0') + "q",
        std::string()}) {
    INFO("requests: " << json(path).dump());
    auto hello = good();
    hello["requests"] = path;
    hello["replies"] = kClients + "/c.1/rep";
    CHECK(refused(hello));
  }
  auto split = good();
  split["replies"] = kClients + "/c.other/rep";
  CHECK(refused(split));
  auto same = good();
  same["replies"] = same["requests"];
  CHECK(refused(same));
}

TEST_CASE("lines that are not a JSON object are refused", "[control][hello]") {
  for (std::string line :
       {"", "garbage", "[1,2]", "\"hello\"", "42", "null", "{", "{}", "{\"hello\":1} trailing"}) {
    INFO("line: " << line);
    CHECK_FALSE(parse_hello(line, kClients));
  }
}

TEST_CASE("a hello glued behind a stray write is found", "[control][hello]") {
  std::string hello = good().dump();
  for (std::string junk :
       std::vector<std::string>{"garbage", "{", "{\"", "{\"hello\":1,\"pid\":", "}}}{{{",
                                "\"{\"x\"", std::string(2000, '{'), std::string(300, '{') + "\"a\"",
                                "{\"hello\":1,\"pid\":5,\"requests\":\""}) {
    INFO("junk: " << junk);
    CHECK_FALSE(parse_hello(junk + hello, kClients));
    auto found = find_hello(junk + hello, kClients);
    REQUIRE(found);
    CHECK(found.value().pid == 1234);
  }
  // Nothing to find: the first error is the one reported.
  auto none = find_hello("garbage{\"x\":1}", kClients);
  REQUIRE_FALSE(none);
  CHECK(none.error().message == "hello is not JSON");
}
