// Requests that talk to registries: pull, login, logout.
#include "asup/protocol.hpp"
#include "image/reference.hpp"
#include "registry/puller.hpp"
#include "supervisor/supervisor.hpp"

namespace asup::supervisor {
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

void Supervisor::op_pull(const SessionPtr& s, const nlohmann::json& req) {
  std::string reference = req.value("reference", "");
  if (reference.empty()) {
    s->send_error(kExitFailure, "pull: an image reference is required");
    return;
  }
  std::optional<image::Platform> platform;
  if (std::string text = req.value("platform", ""); !text.empty()) {
    auto parsed = registry::parse_platform(text);
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
        s->send({{"type", "result"},
                 {"reference", p.reference},
                 {"digest", p.digest},
                 {"id", p.id},
                 {"downloaded", p.downloaded}});
      });
}

void Supervisor::op_login(const SessionPtr& s, const nlohmann::json& req) {
  std::string server = registry_key(req.value("server", ""));
  std::string username = req.value("username", ""), password = req.value("password", "");
  if (username.empty() || password.empty()) {
    s->send_error(kExitFailure, "login: a username and a password are required");
    return;
  }
  registry_->login(server, registry::Credentials{username, password}, [s, server](Result<bool> r) {
    if (!r)
      s->send_error(kExitFailure, "login to " + server + ": " + r.error().describe());
    else
      s->send({{"type", "result"}, {"server", server}});
  });
}

void Supervisor::op_logout(const SessionPtr& s, const nlohmann::json& req) {
  std::string server = registry_key(req.value("server", ""));
  auto r = registry_->logout(server);
  if (!r) {
    s->send_error(kExitFailure, "logout: " + r.error().describe());
    return;
  }
  s->send({{"type", "result"}, {"server", server}, {"removed", r.value()}});
}

}  // namespace asup::supervisor
