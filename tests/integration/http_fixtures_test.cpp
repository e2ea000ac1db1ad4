// The loopback HTTP fixtures themselves: a real docker-registry takes what OciLayoutBuilder
// writes, its basic and token auth work with skopeo and curl, the redirect front and the
// flaky proxy do what their tests will rely on, and TarBuilder writes hostile names as given.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "harness.hpp"
#include "http_fixtures.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

std::string text_tar(const std::string& name, const std::string& content) {
  return TarBuilder().directory("etc").file("etc/" + name, content).bytes();
}

// Bytes that do not compress, so a blob stays larger than a proxy's cut.
std::string noise(std::size_t size) {
  std::string out;
  std::uint32_t x = 2463534242u;
  while (out.size() < size) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out += static_cast<char>(x & 0xff);
  }
  return out;
}

// A one-layer image (gzip) pushed to `reg` as repo_and_tag; returns the layer.
Layer push_image(Registry& reg, const std::string& tar, const std::string& repo_and_tag) {
  TempDir tmp;
  OciLayoutBuilder b(tmp / "layout");
  auto layer = b.add_layer(tar);
  b.write_image("t");
  reg.push(b.dir(), "t", repo_and_tag);
  return layer;
}

// gzip or zstd undone by libarchive's in-process filters; "" when that fails.
std::string decompress(const std::string& data) {
  archive* a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_format_raw(a);
  archive_entry* e;
  std::string out;
  if (archive_read_open_memory(a, data.data(), data.size()) == ARCHIVE_OK &&
      archive_read_next_header(a, &e) == ARCHIVE_OK) {
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) out.append(buf, n);
  }
  archive_read_free(a);
  return out;
}

Result skopeo_inspect(const std::string& ref, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{"/usr/bin/skopeo", "inspect", "--tls-verify=false"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("docker://" + ref);
  return run_tool(argv, 60);
}

Result curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/bin/curl", "-s", "--max-time", "20"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_tool(argv, 30);
}

nlohmann::json parse(const Result& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  INFO(r);
  REQUIRE(!j.is_discarded());
  return j;
}

}  // namespace

TEST_CASE("an image from OciLayoutBuilder pushes to the registry and skopeo sees its layers",
          "[registry-fixture]") {
  pid_t pid;
  std::string dir;
  {
    TempDir tmp;
    OciLayoutBuilder b(tmp / "layout");
    auto l1 = b.add_layer(text_tar("hello", "hello\n"), Compression::gzip);
    auto l2 = b.add_layer(text_tar("plain", "uncompressed\n"), Compression::none);
    b.config()["config"]["Cmd"] = {"/bin/sh", "-c", "cat /etc/hello"};
    auto manifest = b.write_image("v1");
    CHECK(l1.descriptor.media_type == "application/vnd.oci.image.layer.v1.tar+gzip");
    CHECK(l2.descriptor.media_type == "application/vnd.oci.image.layer.v1.tar");
    CHECK(l2.diff_id == l2.descriptor.digest);
    CHECK(l1.diff_id != l1.descriptor.digest);

    Registry reg;
    pid = reg.pid();
    dir = reg.dir();
    reg.push(b.dir(), "v1", "test/app:v1");

    auto r = skopeo_inspect(reg.host() + "/test/app:v1");
    INFO(r);
    REQUIRE(r.code == 0);
    auto j = parse(r);
    CHECK(j["Layers"] == nlohmann::json({l1.descriptor.digest, l2.descriptor.digest}));
    CHECK(j["Digest"] == manifest.digest);
    CHECK(j["Architecture"] == "amd64");
    CHECK(j["Os"] == "linux");

    auto config = parse(skopeo_inspect(reg.host() + "/test/app:v1", {"--config"}));
    CHECK(config["rootfs"]["diff_ids"] == nlohmann::json({l1.diff_id, l2.diff_id}));
    CHECK(config["config"]["Cmd"] == nlohmann::json({"/bin/sh", "-c", "cat /etc/hello"}));

    // The registry's file for the blob is the blob, byte for byte.
    CHECK(read_text(reg.blob_data_path(l1.descriptor.digest)) ==
          read_text(b.blob_path(l1.descriptor.digest)));
    auto blob = http_fetch(reg.host(), "GET", "/v2/test/app/blobs/" + l2.descriptor.digest);
    REQUIRE(blob);
    CHECK(blob->status == 200);
    CHECK(sha256_digest(blob->body) == l2.descriptor.digest);
    CHECK(is_directory(dir));
    CHECK(process_alive(pid));
  }
  // Nothing is left behind.
  CHECK(!process_alive(pid));
  CHECK(!std::filesystem::exists(dir));
}

TEST_CASE("a registry with basic auth refuses anonymous clients and takes credentials",
          "[registry-fixture]") {
  Credentials alice{"alice", "s3cret"};
  Registry reg(Registry::Options{.basic_auth = alice});
  push_image(reg, text_tar("a", "a\n"), "private/app:latest");

  auto r = skopeo_inspect(reg.host() + "/private/app:latest", {"--no-creds"});
  INFO(r);
  CHECK(r.code != 0);
  CHECK_THAT(r.err, Contains("unauthorized") || Contains("401"));

  r = skopeo_inspect(reg.host() + "/private/app:latest", {"--creds", "alice:wrong"});
  CHECK(r.code != 0);

  r = skopeo_inspect(reg.host() + "/private/app:latest", {"--creds", alice.joined()});
  INFO(r);
  CHECK(r.code == 0);

  auto v2 = http_fetch(reg.host(), "GET", "/v2/");
  REQUIRE(v2);
  CHECK(v2->status == 401);
  CHECK_THAT(v2->header("WWW-Authenticate"), Contains("Basic"));
  v2 = http_fetch(reg.host(), "GET", "/v2/", {{"Authorization", alice.authorization()}});
  REQUIRE(v2);
  CHECK(v2->status == 200);
}

TEST_CASE("a registry with token auth trusts the token server's JWTs", "[registry-fixture]") {
  TokenServer ts(TokenServer::Options{.users = {{"bob", "pw"}}, .expires_in = 60});
  Credentials bob{"bob", "pw"};
  Registry reg(Registry::Options{.token_auth = ts.registry_auth(), .push_credentials = bob});
  auto layer = push_image(reg, text_tar("t", "token\n"), "team/app:v1");
  int after_push = ts.requests();
  CHECK(after_push > 0);
  CHECK(ts.tokens_issued() > 0);

  auto r = skopeo_inspect(reg.host() + "/team/app:v1", {"--creds", bob.joined()});
  INFO(r);
  INFO(reg.log_tail());
  CHECK(r.code == 0);
  CHECK(ts.requests() > after_push);
  CHECK_THAT(ts.last_scope(), Contains("repository:team/app:pull"));
  CHECK(ts.last_authorization() == bob.authorization());

  // The challenge names the token server; anonymous /v2/ is refused.
  r = curl({"-o", "/dev/null", "-w", "%{http_code}", "http://" + reg.host() + "/v2/"});
  CHECK(r.out == "401");
  auto v2 = http_fetch(reg.host(), "GET", "/v2/");
  REQUIRE(v2);
  CHECK_THAT(v2->header("WWW-Authenticate"), Contains("Bearer realm=\"" + ts.realm() + "\""));
  CHECK_THAT(v2->header("WWW-Authenticate"), Contains("service=\"" + ts.options().service + "\""));

  // The dance by hand: the token endpoint, then the registry with the Bearer token.
  std::string target =
      "/token?service=" + ts.options().service + "&scope=repository%3Ateam%2Fapp%3Apull";
  auto refused = http_fetch(ts.host(), "GET", target);
  REQUIRE(refused);
  CHECK(refused->status == 401);  // no anonymous access configured
  refused = http_fetch(ts.host(), "GET", target,
                       {{"Authorization", Credentials{"bob", "x"}.authorization()}});
  REQUIRE(refused);
  CHECK(refused->status == 401);
  auto tok = http_fetch(ts.host(), "GET", target, {{"Authorization", bob.authorization()}});
  REQUIRE(tok);
  REQUIRE(tok->status == 200);
  CHECK(ts.last_scope() == "repository:team/app:pull");
  auto body = nlohmann::json::parse(tok->body);
  CHECK(body["expires_in"] == 60);
  CHECK(body["token"] == body["access_token"]);
  CHECK(body["issued_at"].get<std::string>().size() == 20);
  std::string jwt = body["token"];
  auto header = nlohmann::json::parse(base64_decode([&] {
    std::string h = jwt.substr(0, jwt.find('.'));
    for (auto& c : h) c = c == '-' ? '+' : c == '_' ? '/' : c;
    return h;
  }()));
  CHECK(header["alg"] == "ES256");
  CHECK(header["x5c"].size() == 1);

  auto blob = http_fetch(reg.host(), "GET", "/v2/team/app/blobs/" + layer.descriptor.digest,
                         {{"Authorization", "Bearer " + jwt}});
  REQUIRE(blob);
  CHECK(blob->status == 200);
  CHECK(sha256_digest(blob->body) == layer.descriptor.digest);

  // The OAuth2 password grant gives the same kind of token.
  auto oauth = http_fetch(
      ts.host(), "POST", "/token", {{"Content-Type", "application/x-www-form-urlencoded"}},
      "grant_type=password&username=bob&password=pw&service=" + ts.options().service +
          "&scope=repository%3Ateam%2Fapp%3Apull");
  REQUIRE(oauth);
  CHECK(oauth->status == 200);
  CHECK(nlohmann::json::parse(oauth->body)["scope"] == "repository:team/app:pull");

  // Pull only: a push with that token is refused.
  auto upload = http_fetch(reg.host(), "POST", "/v2/team/app/blobs/uploads/",
                           {{"Authorization", "Bearer " + jwt}});
  REQUIRE(upload);
  CHECK(upload->status == 401);

  // Tokens made by hand: expired ones (past the registry's 60 s leeway) are refused.
  nlohmann::json pull = {{{"type", "repository"}, {"name", "team/app"}, {"actions", {"pull"}}}};
  auto manifest = [&](const std::string& token) {
    auto m = http_fetch(reg.host(), "GET", "/v2/team/app/manifests/v1",
                        {{"Authorization", "Bearer " + token},
                         {"Accept", "application/vnd.oci.image.manifest.v1+json"}});
    REQUIRE(m);
    return m->status;
  };
  CHECK(manifest(ts.make_token("bob", pull, 300)) == 200);
  CHECK(manifest(ts.make_token("bob", pull, -120)) == 401);
  CHECK(manifest(ts.make_token("bob", nlohmann::json::array(), 300)) == 401);
}

TEST_CASE("the token server grants anonymous pulls when configured", "[registry-fixture]") {
  TokenServer ts(TokenServer::Options{.users = {{"bob", "pw"}}, .allow_anonymous = true});
  Registry reg(Registry::Options{.token_auth = ts.registry_auth(),
                                 .push_credentials = Credentials{"bob", "pw"}});
  push_image(reg, text_tar("p", "public\n"), "public/app:v1");
  auto r = skopeo_inspect(reg.host() + "/public/app:v1", {"--no-creds"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(ts.last_authorization() == "");

  auto tok = http_fetch(
      ts.host(), "GET",
      "/token?service=" + ts.options().service + "&scope=repository:public/app:pull,push");
  REQUIRE(tok);
  REQUIRE(tok->status == 200);
  std::string jwt = nlohmann::json::parse(tok->body)["token"];
  std::string claims = jwt.substr(jwt.find('.') + 1);
  claims = claims.substr(0, claims.find('.'));
  for (auto& c : claims) c = c == '-' ? '+' : c == '_' ? '/' : c;
  auto j = nlohmann::json::parse(base64_decode(claims));
  CHECK(j["access"] ==
        nlohmann::json::parse(R"([{"type":"repository","name":"public/app","actions":["pull"]}])"));
  CHECK(j["sub"] == "");
  CHECK(j["aud"] == ts.options().service);
}

TEST_CASE("RedirectFront sends blob GETs to another host and counts leaked credentials",
          "[registry-fixture]") {
  Credentials alice{"alice", "s3cret"};
  Registry reg(Registry::Options{.basic_auth = alice});
  auto layer = push_image(reg, TarBuilder().file("big", noise(300000)).bytes(), "test/app:v1");
  TempDir tmp;
  RedirectFront front(reg);
  CHECK(front.blob_host().rfind("localhost:", 0) == 0);

  // Everything but blob GETs passes through, credentials included.
  auto r = skopeo_inspect(front.host() + "/test/app:v1", {"--creds", alice.joined()});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(front.redirects_served() == 1);  // the config blob
  CHECK(front.blob_requests_with_authorization() == 0);
  auto head = http_fetch(front.host(), "HEAD", "/v2/test/app/blobs/" + layer.descriptor.digest,
                         {{"Authorization", alice.authorization()}});
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(front.redirects_served() == 1);

  // curl -L drops the credentials when the host changes: a correct client.
  std::string out = tmp / "blob";
  std::string url = "http://" + front.host() + "/v2/test/app/blobs/" + layer.descriptor.digest;
  r = curl({"-L", "-u", alice.joined(), "-o", out, "-w", "%{http_code} %{num_redirects}", url});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "200 1");
  CHECK(sha256_digest(read_text(out)) == layer.descriptor.digest);
  CHECK(front.redirects_served() == 2);
  CHECK(front.blob_requests() == 2);
  CHECK(front.blob_requests_with_authorization() == 0);

  // --location-trusted sends them on: the counter sees the leak.
  r = curl({"-L", "--location-trusted", "-u", alice.joined(), "-o", out, url});
  CHECK(r.code == 0);
  CHECK(sha256_digest(read_text(out)) == layer.descriptor.digest);
  CHECK(front.redirects_served() == 3);
  CHECK(front.blob_requests_with_authorization() == 1);
  auto seen = front.blob_request_headers();
  REQUIRE(seen.size() == 3);
  CHECK(header_value(seen[2], "Authorization") == alice.authorization());
  CHECK(header_value(seen[1], "Host") == front.blob_host());

  // Without credentials there is no redirect, only the registry's challenge.
  r = curl({"-L", "-o", "/dev/null", "-w", "%{http_code}", url});
  CHECK(r.out == "401");
  CHECK(front.redirects_served() == 3);

  // Pushes go through the front too (chunked PATCH bodies, upload URLs for the front's host).
  TempDir tmp2;
  OciLayoutBuilder b2(tmp2 / "layout");
  auto layer2 = b2.add_layer(TarBuilder().file("other", noise(100000)).bytes());
  b2.write_image("v2");
  r = run_tool({"/usr/bin/skopeo", "--insecure-policy", "copy", "--preserve-digests",
                "--dest-tls-verify=false", "--dest-creds", alice.joined(),
                "oci:" + b2.dir() + ":v2", "docker://" + front.host() + "/test/app:v2"},
               60);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(read_text(reg.blob_data_path(layer2.descriptor.digest)) ==
        read_text(b2.blob_path(layer2.descriptor.digest)));

  // A range request on the blob host gets the range.
  r = curl({"-L", "-u", alice.joined(), "-r", "0-99", "-o", out, url});
  CHECK(r.code == 0);
  CHECK(read_text(out) == read_text(reg.blob_data_path(layer.descriptor.digest)).substr(0, 100));
}

TEST_CASE("RedirectFront in front of a token registry serves blobs from storage",
          "[registry-fixture]") {
  TokenServer ts(TokenServer::Options{.users = {{"bob", "pw"}}});
  Credentials bob{"bob", "pw"};
  Registry reg(Registry::Options{.token_auth = ts.registry_auth(), .push_credentials = bob});
  auto layer = push_image(reg, text_tar("x", "x\n"), "team/app:v1");
  TempDir tmp;
  RedirectFront front(reg);
  auto r = run_tool({"/usr/bin/skopeo", "--insecure-policy", "copy", "--src-tls-verify=false",
                     "--src-creds", bob.joined(), "docker://" + front.host() + "/team/app:v1",
                     "oci:" + (tmp / "pulled") + ":v1"},
                    60);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(front.redirects_served() >= 1);
  CHECK(front.blob_requests() == front.redirects_served());
  CHECK(front.blob_requests_with_authorization() == 0);
  // Anonymous: the registry's Bearer challenge, not a redirect.
  auto anonymous = http_fetch(front.host(), "GET", "/v2/team/app/blobs/" + layer.descriptor.digest);
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
  CHECK_THAT(anonymous->header("WWW-Authenticate"), Contains("Bearer realm="));
  CHECK(read_text(tmp / ("pulled/blobs/sha256/" + layer.descriptor.digest.substr(7))) ==
        read_text(reg.blob_data_path(layer.descriptor.digest)));
}

TEST_CASE("FlakyProxy cuts the first blob download short and passes the next one whole",
          "[registry-fixture]") {
  Registry reg;
  auto layer = push_image(reg, TarBuilder().file("big", noise(200000)).bytes(), "test/app:v1");
  TempDir tmp;
  FlakyProxy proxy(reg.host(), FlakyProxy::Options{.cut_first = 1, .bytes_before_cut = 5000});

  // Manifests are not cut, nor blobs no larger than the cut (the config).
  auto r = skopeo_inspect(proxy.host() + "/test/app:v1");
  INFO(r);
  CHECK(r.code == 0);
  CHECK(proxy.cut_connections() == 0);
  CHECK(proxy.blob_gets() == 1);

  std::string out = tmp / "blob";
  std::string url = "http://" + proxy.host() + "/v2/test/app/blobs/" + layer.descriptor.digest;
  r = curl({"-o", out, url});
  INFO(r);
  CHECK(r.code == 18);  // CURLE_PARTIAL_FILE
  CHECK(read_text(out).size() == 5000);
  CHECK(proxy.cut_connections() == 1);

  r = curl({"-o", out, url});
  CHECK(r.code == 0);
  CHECK(sha256_digest(read_text(out)) == layer.descriptor.digest);
  CHECK(proxy.cut_connections() == 1);
  CHECK(proxy.blob_gets() == 3);
}

TEST_CASE("a multi-platform index with an attestation pushes as an index", "[registry-fixture]") {
  TempDir tmp;
  OciLayoutBuilder b(tmp / "layout");
  b.add_layer(text_tar("arch", "amd64\n"));
  auto amd64 = b.add_platform_manifest({"linux", "amd64", ""});
  b.add_layer(text_tar("arch", "arm64\n"));
  auto arm64 = b.add_platform_manifest({"linux", "arm64", "v8"});
  auto attestation = b.add_attestation_manifest(amd64);
  auto index = b.write_index("multi");
  Registry reg;
  reg.push(b.dir(), "multi", "test/multi:latest", {"--all"});

  auto r = skopeo_inspect(reg.host() + "/test/multi:latest", {"--raw"});
  INFO(r);
  REQUIRE(r.code == 0);
  CHECK(sha256_digest(r.out) == index.digest);
  auto j = parse(r);
  CHECK(j["mediaType"] == "application/vnd.oci.image.index.v1+json");
  REQUIRE(j["manifests"].size() == 3);
  CHECK(j["manifests"][0]["platform"] ==
        nlohmann::json::parse(R"({"architecture":"amd64","os":"linux"})"));
  CHECK(j["manifests"][0]["digest"] == amd64.digest);
  CHECK(j["manifests"][1]["platform"] ==
        nlohmann::json::parse(R"({"architecture":"arm64","os":"linux","variant":"v8"})"));
  CHECK(j["manifests"][1]["digest"] == arm64.digest);
  CHECK(j["manifests"][2]["platform"]["os"] == "unknown");
  CHECK(j["manifests"][2]["annotations"]["vnd.docker.reference.type"] == "attestation-manifest");
  CHECK(j["manifests"][2]["annotations"]["vnd.docker.reference.digest"] == amd64.digest);

  // Each platform's manifest is there by digest.
  for (auto& d : {amd64, arm64, attestation}) {
    auto m = http_fetch(reg.host(), "GET", "/v2/test/multi/manifests/" + d.digest,
                        {{"Accept", "application/vnd.oci.image.manifest.v1+json"}});
    REQUIRE(m);
    CHECK(m->status == 200);
    CHECK(sha256_digest(m->body) == d.digest);
  }
}

TEST_CASE("a zstd layer pushes and stays zstd", "[registry-fixture]") {
  TempDir tmp;
  OciLayoutBuilder b(tmp / "layout");
  std::string tar = text_tar("z", std::string(10000, 'z'));
  auto layer = b.add_layer(tar, Compression::zstd);
  CHECK(layer.descriptor.media_type == "application/vnd.oci.image.layer.v1.tar+zstd");
  CHECK(layer.diff_id == sha256_digest(tar));
  b.write_image("z");
  Registry reg;
  reg.push(b.dir(), "z", "test/zstd:z");
  auto r = skopeo_inspect(reg.host() + "/test/zstd:z", {"--raw"});
  INFO(r);
  REQUIRE(r.code == 0);
  auto j = parse(r);
  CHECK(j["layers"][0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar+zstd");
  CHECK(j["layers"][0]["digest"] == layer.descriptor.digest);
  std::string blob = read_text(reg.blob_data_path(layer.descriptor.digest));
  CHECK(blob.compare(0, 4, "\x28\xb5\x2f\xfd") == 0);  // the zstd frame magic
  CHECK(decompress(blob) == tar);
  std::string gz = compress(tar, Compression::gzip);
  CHECK(gz.compare(0, 2, "\x1f\x8b") == 0);
  CHECK(gz.substr(4, 4) == std::string(4, '\0'));  // no timestamp: reproducible digests
  CHECK(decompress(gz) == tar);
  CHECK(compress(tar, Compression::gzip) == compress(tar, Compression::gzip));
}

TEST_CASE("TarBuilder writes hostile entries exactly as given", "[registry-fixture]") {
  std::string tar =
      TarBuilder()
          .file("../escape", "out", {.mode = 04755, .uid = 1000, .gid = 2000, .mtime = 123456789})
          .file("/abs", "abs")
          .symlink("link", "/etc")
          .file("link/through", "through")
          .hardlink("hard", "/etc/shadow")
          .char_device("dev/null", 1, 3)
          .block_device("dev/sda", 8, 0)
          .fifo("pipe")
          .directory("a/../../b", {.mode = 01777})
          .file(std::string(150, 'n'), "long name")
          .bytes();
  REQUIRE(tar.size() % 512 == 0);

  struct Seen {
    std::string name, link, hardlink, data;
    unsigned type, perm;
    la_int64_t uid, gid;
    time_t mtime;
    dev_t major, minor;
  };
  std::vector<Seen> seen;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_memory(a, tar.data(), tar.size()) == ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    Seen s{archive_entry_pathname(e),
           archive_entry_symlink(e) ? archive_entry_symlink(e) : "",
           archive_entry_hardlink(e) ? archive_entry_hardlink(e) : "",
           "",
           archive_entry_filetype(e),
           archive_entry_perm(e),
           archive_entry_uid(e),
           archive_entry_gid(e),
           archive_entry_mtime(e),
           archive_entry_rdevmajor(e),
           archive_entry_rdevminor(e)};
    char buf[4096];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) s.data.append(buf, n);
    seen.push_back(s);
  }
  archive_read_free(a);
  REQUIRE(seen.size() == 10);
  CHECK(seen[0].name == "../escape");
  CHECK(seen[0].data == "out");
  CHECK(seen[0].perm == 04755);
  CHECK(seen[0].uid == 1000);
  CHECK(seen[0].gid == 2000);
  CHECK(seen[0].mtime == 123456789);
  CHECK(seen[1].name == "/abs");
  CHECK(seen[2].type == AE_IFLNK);
  CHECK(seen[2].link == "/etc");
  CHECK(seen[3].name == "link/through");
  CHECK(seen[4].hardlink == "/etc/shadow");
  CHECK(seen[5].type == AE_IFCHR);
  CHECK(seen[5].major == 1);
  CHECK(seen[5].minor == 3);
  CHECK(seen[6].type == AE_IFBLK);
  CHECK(seen[7].type == AE_IFIFO);
  CHECK(seen[8].name == "a/../../b/");  // tar's trailing slash on a directory
  CHECK(seen[8].type == AE_IFDIR);
  CHECK(seen[8].perm == 01777);
  CHECK(seen[9].name == std::string(150, 'n'));

  // The first header block holds the raw name, not a cleaned one.
  CHECK(tar.compare(0, 10, std::string("../escape\0", 10)) == 0);
}
