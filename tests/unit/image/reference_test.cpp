#include "image/reference.hpp"

#include <catch2/catch.hpp>

using asup::image::parse_reference;

namespace {

const std::string kHex(64, 'a');

}  // namespace

TEST_CASE("references normalise like Docker's", "[image][reference]") {
  struct Row {
    std::string input, registry, repository, tag, digest, full, familiar, familiar_repo;
  };
  const std::vector<Row> rows = {
      {"busybox", "docker.io", "library/busybox", "latest", "", "docker.io/library/busybox:latest",
       "busybox:latest", "busybox"},
      {"busybox:1.36", "docker.io", "library/busybox", "1.36", "", "docker.io/library/busybox:1.36",
       "busybox:1.36", "busybox"},
      {"user/app", "docker.io", "user/app", "latest", "", "docker.io/user/app:latest",
       "user/app:latest", "user/app"},
      {"docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", "",
       "docker.io/library/busybox:latest", "busybox:latest", "busybox"},
      {"index.docker.io/library/busybox", "docker.io", "library/busybox", "latest", "",
       "docker.io/library/busybox:latest", "busybox:latest", "busybox"},
      {"docker.io/busybox", "docker.io", "library/busybox", "latest", "",
       "docker.io/library/busybox:latest", "busybox:latest", "busybox"},
      {"localhost:5000/x:1", "localhost:5000", "x", "1", "", "localhost:5000/x:1",
       "localhost:5000/x:1", "localhost:5000/x"},
      {"localhost/x", "localhost", "x", "latest", "", "localhost/x:latest", "localhost/x:latest",
       "localhost/x"},
      {"host.example/x/y", "host.example", "x/y", "latest", "", "host.example/x/y:latest",
       "host.example/x/y:latest", "host.example/x/y"},
      {"127.0.0.1:5000/a/b/c:v1.2-rc_3", "127.0.0.1:5000", "a/b/c", "v1.2-rc_3", "",
       "127.0.0.1:5000/a/b/c:v1.2-rc_3", "127.0.0.1:5000/a/b/c:v1.2-rc_3", "127.0.0.1:5000/a/b/c"},
      {"[::1]:5000/x", "[::1]:5000", "x", "latest", "", "[::1]:5000/x:latest",
       "[::1]:5000/x:latest", "[::1]:5000/x"},
      {"x@sha256:" + kHex, "docker.io", "library/x", "", "sha256:" + kHex,
       "docker.io/library/x@sha256:" + kHex, "x@sha256:" + kHex, "x"},
      {"x:tag@sha256:" + kHex, "docker.io", "library/x", "tag", "sha256:" + kHex,
       "docker.io/library/x:tag@sha256:" + kHex, "x:tag@sha256:" + kHex, "x"},
      {"ab__c-d/e--f.g", "docker.io", "ab__c-d/e--f.g", "latest", "",
       "docker.io/ab__c-d/e--f.g:latest", "ab__c-d/e--f.g:latest", "ab__c-d/e--f.g"},
      {"library/busybox/extra", "docker.io", "library/busybox/extra", "latest", "",
       "docker.io/library/busybox/extra:latest", "library/busybox/extra:latest",
       "library/busybox/extra"},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    auto ref = parse_reference(row.input);
    REQUIRE(ref);
    CHECK(ref.value().registry == row.registry);
    CHECK(ref.value().repository == row.repository);
    CHECK(ref.value().tag == row.tag);
    CHECK(ref.value().digest == row.digest);
    CHECK(ref.value().full() == row.full);
    CHECK(ref.value().familiar() == row.familiar);
    CHECK(ref.value().familiar_repository() == row.familiar_repo);
  }
}

TEST_CASE("invalid references are refused with the text named", "[image][reference]") {
  const std::vector<std::string> bad = {
      "",
      ":tag",
      "busybox:",
      "busybox:-bad",
      "busybox:" + std::string(129, 'a'),
      "bad..name",
      "-x",
      "x-",
      "x//y",
      "x/",
      "busybox@sha256:abc",
      "busybox@sha512:" + kHex,
      "busybox@",
      "host:port/x",
      "a.b-c__d/e",
      "ho_st.example/x",
      "a b",
      "busybox:ta/g",
  };
  for (const auto& text : bad) {
    INFO(text);
    auto ref = parse_reference(text);
    REQUIRE_FALSE(ref);
    CHECK(ref.error().message == "invalid reference format: \"" + text + "\"");
  }
}

TEST_CASE("upper case and image ids are not repositories", "[image][reference]") {
  auto upper = parse_reference("BusyBox");
  REQUIRE_FALSE(upper);
  CHECK_THAT(upper.error().message, Catch::Contains("must be lowercase"));

  // An upper-case first component is a registry, as in Docker.
  auto host = parse_reference("Registry.Example/app");
  REQUIRE(host);
  CHECK(host.value().registry == "Registry.Example");

  auto hex = parse_reference(kHex);
  REQUIRE_FALSE(hex);
  CHECK_THAT(hex.error().message, Catch::Contains("64-byte hexadecimal"));

  auto too_long = parse_reference("r/" + std::string(260, 'a'));
  REQUIRE_FALSE(too_long);
  CHECK_THAT(too_long.error().message, Catch::Contains("255"));
}

TEST_CASE("the tag charset is [\\w][\\w.-]{0,127}", "[image][reference]") {
  CHECK(parse_reference("x:" + std::string(128, 'a')));
  CHECK(parse_reference("x:_a.b-c"));
  CHECK(parse_reference("x:A1"));
  CHECK_FALSE(parse_reference("x:.a"));
}
