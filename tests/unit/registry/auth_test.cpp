// Challenges, credentials and the plain-HTTP policy, as registries and users present them.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "core/fs.hpp"
#include "registry/auth.hpp"
#include "registry/puller.hpp"
#include "registry/registry_client.hpp"

namespace asup::registry {

TEST_CASE("Bearer challenges as registries send them", "[registry][auth]") {
  auto c = parse_challenge(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push")");
  REQUIRE(c);
  CHECK(c.value().scheme == "bearer");
  CHECK(c.value().params["realm"] == "https://auth.docker.io/token");
  CHECK(c.value().params["service"] == "registry.docker.io");
  CHECK(c.value().params["scope"] == "repository:library/busybox:pull,push");

  auto spaced =
      parse_challenge(R"(bearer  realm = "http://127.0.0.1:1/t" , error="invalid_token")");
  REQUIRE(spaced);
  CHECK(spaced.value().params["realm"] == "http://127.0.0.1:1/t");
  CHECK(spaced.value().params["error"] == "invalid_token");

  auto basic = parse_challenge(R"(Basic realm="Registry Realm")");
  REQUIRE(basic);
  CHECK(basic.value().scheme == "basic");
  CHECK(basic.value().params["realm"] == "Registry Realm");

  auto escaped = parse_challenge(R"(Bearer realm="a\"b")");
  REQUIRE(escaped);
  CHECK(escaped.value().params["realm"] == "a\"b");

  CHECK_FALSE(parse_challenge(""));
  CHECK_FALSE(parse_challenge(R"(Bearer realm="unterminated)"));
}

TEST_CASE("base64 round trips and rejects garbage", "[registry][auth]") {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "user:pa:ss", std::string("\0\xff", 2)})
    CHECK(base64_decode(base64_encode(s)).value() == s);
  CHECK(base64_encode("alice:s3cret") == "YWxpY2U6czNjcmV0");
  CHECK_FALSE(base64_decode("abc"));
  CHECK(basic_authorization({"alice", "s3cret"}) == "Authorization: Basic YWxpY2U6czNjcmV0");
  CHECK(url_escape("repository:a/b:pull") == "repository%3Aa%2Fb%3Apull");
}

TEST_CASE("credentials are stored 0600 and removed again", "[registry][auth]") {
  std::string dir = "/tmp/asup-auth-test-XXXXXX";
  REQUIRE(::mkdtemp(dir.data()));
  std::string path = dir + "/auth.json";
  CredentialStore store(path);
  CHECK_FALSE(store.find("127.0.0.1:5000"));
  REQUIRE(store.save("127.0.0.1:5000", {"alice", "pa:ss"}));
  REQUIRE(store.save("docker.io", {"bob", "x"}));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto found = store.find("127.0.0.1:5000");
  REQUIRE(found);
  CHECK(found->username == "alice");
  CHECK(found->password == "pa:ss");
  CHECK(CredentialStore(path).find("docker.io")->username == "bob");
  CHECK(store.erase("127.0.0.1:5000").value());
  CHECK_FALSE(store.erase("127.0.0.1:5000").value());
  CHECK_FALSE(store.find("127.0.0.1:5000"));
  CHECK(store.find("docker.io"));
  (void)fs::remove_tree(dir);
}

TEST_CASE("plain HTTP only for loopback and listed registries", "[registry][policy]") {
  CHECK(is_loopback_host("127.0.0.1:5000"));
  CHECK(is_loopback_host("127.3.2.1"));
  CHECK(is_loopback_host("localhost:80"));
  CHECK(is_loopback_host("[::1]:5000"));
  CHECK_FALSE(is_loopback_host("128.0.0.1"));
  CHECK_FALSE(is_loopback_host("registry.example:5000"));

  boost::asio::io_context io;
  RegistryClient client(io, {{"reg.lan:5000", "10.1.0.0/16", "plain.example"}, "/nonexistent"});
  CHECK(client.is_insecure("127.0.0.1:5000"));
  CHECK(client.is_insecure("reg.lan:5000"));
  CHECK_FALSE(client.is_insecure("reg.lan:5001"));
  CHECK(client.is_insecure("10.1.200.3:443"));
  CHECK_FALSE(client.is_insecure("10.2.0.1"));
  CHECK(client.is_insecure("plain.example:8080"));
  CHECK_FALSE(client.is_insecure("docker.io"));
  CHECK(api_host("docker.io") == "registry-1.docker.io");
  CHECK(api_host("ghcr.io") == "ghcr.io");
}

TEST_CASE("platforms are os/arch[/variant] as --platform takes them", "[registry][platform]") {
  auto p = parse_platform("linux/arm64/v8");
  REQUIRE(p);
  CHECK(p.value().os == "linux");
  CHECK(p.value().architecture == "arm64");
  CHECK(p.value().variant == "v8");
  CHECK(parse_platform("linux/amd64").value().variant.empty());
  for (auto bad : {"linux", "linux/", "/amd64", "a/b/c/d", ""}) CHECK_FALSE(parse_platform(bad));
  CHECK(host_platform().os == "linux");
}

}  // namespace asup::registry
