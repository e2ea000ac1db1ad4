// Requests that talk to registries: pull, login, logout.
#include "asup/protocol.hpp"
#include "engine/engine.hpp"
#include "image/reference.hpp"
#include "registry/puller.hpp"

namespace asup::engine {
namespace {

// Docker's exit code for a failed pull, login or logout.
constexpr int kExitFailure = 1;

// "docker.io" for Docker Hub's many spellings; "host:port" otherwise.
std::string registry_key(std::string server) {
  for (const char* scheme : {"https://", "http://"})
    if (server.rfind(scheme, 0) == 0) server.erase(0, std::string_view(scheme).size());
  while (!server.empty() && server.back() == '/') server.pop_back();
  if (server.empty() || server == "index.docker.io" || server == "registry-1.docker.io" ||
      server == "index.docker.io/v1")
    return "docker.io";
  return server;
}

}  // namespace

void Engine::pull(const CallerPtr& s, const api::PullRequest& req) {
  const std::string& reference = req.reference;
  if (reference.empty()) {
    s->send_error(kExitFailure, "pull: an image reference is required");
    return;
  }
  std::optional<image::Platform> platform;
  if (!req.platform.empty()) {
    auto parsed = registry::parse_platform(req.platform);
    if (!parsed) {
      s->send_error(kExitFailure, parsed.error().describe());
      return;
    }
    platform = parsed.value();
  }
  registry::pull(
      registry::PullContext{loop_, *registry_, *fetcher_, *images_}, reference, platform,
      [s](nlohmann::json message) { s->send(message); },
      [s](Result<registry::PullResult> r) {
        if (!r) {
          s->send_error(kExitFailure, r.error().describe());
          return;
        }
        auto& p = r.value();
        s->reply(api::PullResult{p.reference, p.digest, p.id, p.downloaded});
      });
}

void Engine::login(const CallerPtr& s, const api::LoginRequest& req) {
  std::string server = registry_key(req.server);
  const std::string &username = req.username, &password = req.password;
  if (username.empty() || password.empty()) {
    s->send_error(kExitFailure, "login: a username and a password are required");
    return;
  }
  registry_->login(server, registry::Credentials{username, password}, [s, server](Result<bool> r) {
    if (!r)
      s->send_error(kExitFailure, "login to " + server + ": " + r.error().describe());
    else
      s->reply(api::LoginResult{server});
  });
}

void Engine::logout(const CallerPtr& s, const api::LogoutRequest& req) {
  std::string server = registry_key(req.server);
  auto r = registry_->logout(server);
  if (!r) {
    s->send_error(kExitFailure, "logout: " + r.error().describe());
    return;
  }
  s->reply(api::LogoutResult{server, r.value()});
}

}  // namespace asup::engine
