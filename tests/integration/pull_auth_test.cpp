// Registry authentication end to end: Basic auth with login/logout, the Bearer token flow
// against a token server the registry trusts, and credentials that must not follow a
// redirect to another host.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <thread>

#include "harness.hpp"
#include "http_fixtures.hpp"
#include "pull_support.hpp"

namespace asup::it {
namespace {

std::string auth_file(const Daemon& d) {
  return d.root() + "/auth.json";
}

}  // namespace

TEST_CASE("Basic auth: pull needs login, and logout forgets the credentials", "[pull][auth]") {
  Credentials alice{"alice", "s3cret"};
  Registry reg(Registry::Options{.basic_auth = alice});
  push_layers(reg, "private/app:1", {TarBuilder().file("secret", "classified\n").bytes()});
  Daemon d;
  std::string image = reg.host() + "/private/app:1";

  auto anonymous = d.try_run({"pull", image});
  CHECK(anonymous.code == 1);
  CHECK(contains(anonymous.err, "asupctl login"));

  auto wrong = d.try_run({"login", "-u", "alice", "--password-stdin", reg.host()}, "nope\n");
  CHECK(wrong.code == 1);
  CHECK(contains(wrong.err, "incorrect username or password"));
  CHECK(read_text(auth_file(d)).find(reg.host()) == std::string::npos);

  auto login = d.run({"login", "-u", "alice", "--password-stdin", reg.host()}, "s3cret\n");
  CHECK(login.out == "Login Succeeded\n");
  struct stat st {};
  REQUIRE(::stat(auth_file(d).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  d.run({"pull", "-q", image});
  CHECK(d.run({"run", "--rm", image, "cat", "/secret"}).out == "classified\n");

  // Credentials persist across a daemon restart.
  d.run({"rmi", image});
  d.restart();
  d.run({"pull", "-q", image});

  CHECK(d.run({"logout", reg.host()}).out == "Removing login credentials for " + reg.host() + "\n");
  CHECK(d.run({"logout", reg.host()}).out == "Not logged in to " + reg.host() + "\n");
  CHECK(read_text(auth_file(d)).find(reg.host()) == std::string::npos);
  d.run({"rmi", image});
  CHECK(d.try_run({"pull", image}).code == 1);

  auto no_user = d.try_run({"login", "--password-stdin", reg.host()}, "x\n");
  CHECK(no_user.code == 1);
  CHECK(lines(no_user.err).size() == 1);
}

TEST_CASE("Bearer tokens: challenge, token endpoint, retry, refresh", "[pull][auth][token]") {
  TokenServer tokens(TokenServer::Options{.users = {{"bob", "hunter2"}},
                                          .allow_anonymous = true,
                                          .anonymous_actions = {"pull"},
                                          .expires_in = 6});
  Registry reg(Registry::Options{.token_auth = tokens.registry_auth(),
                                 .push_credentials = Credentials{"bob", "hunter2"}});
  push_layers(reg, "team/app:1", {TarBuilder().file("t", "token flow\n").bytes()});
  Daemon d;
  std::string image = reg.host() + "/team/app:1";

  int before = tokens.tokens_issued();
  d.run({"pull", "-q", image});
  CHECK(tokens.tokens_issued() > before);
  CHECK(contains(tokens.last_scope(), "repository:team/app:pull"));
  CHECK(tokens.last_authorization().empty());  // anonymous pull
  CHECK(d.run({"run", "--rm", image, "cat", "/t"}).out == "token flow\n");

  // With credentials: login checks them at the token endpoint; pulls then send them.
  auto wrong = d.try_run({"login", "-u", "bob", "--password-stdin", reg.host()}, "bad\n");
  CHECK(wrong.code == 1);
  CHECK(contains(wrong.err, "incorrect username or password"));
  d.run({"login", "-u", "bob", "--password-stdin", reg.host()}, "hunter2\n");
  d.run({"rmi", image});
  d.run({"pull", "-q", image});
  CHECK(tokens.last_authorization().rfind("Basic ", 0) == 0);

  // The token lives 6 s, renewed 5 s early: a pull 2 s later asks for a new one.
  int issued = tokens.tokens_issued();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  d.run({"pull", "-q", image});
  CHECK(tokens.tokens_issued() > issued);
}

TEST_CASE("credentials never follow a redirect to another host", "[pull][auth][redirect]") {
  Credentials carol{"carol", "pw"};
  Registry reg(Registry::Options{.basic_auth = carol});
  push_layers(reg, "app/x:1", {TarBuilder().file("x", "redirected\n").bytes()});
  RedirectFront front(reg);
  Daemon d;
  std::string image = front.host() + "/app/x:1";
  d.run({"login", "-u", "carol", "--password-stdin", front.host()}, "pw\n");
  d.run({"pull", "-q", image});
  CHECK(front.redirects_served() >= 2);  // both layers
  CHECK(front.blob_requests() >= 2);
  CHECK(front.blob_requests_with_authorization() == 0);
  CHECK(d.run({"run", "--rm", image, "cat", "/x"}).out == "redirected\n");
}

}  // namespace asup::it
