// Registry authentication: WWW-Authenticate challenges (RFC 7235, as the distribution
// spec's token flow uses them) and the credentials `asupctl login` stores.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "asup/result.hpp"

namespace asup::registry {

struct Challenge {
  std::string scheme;                         // lowercase: "bearer", "basic"
  std::map<std::string, std::string> params;  // lowercase names: realm, service, scope
};

// The first challenge of a WWW-Authenticate header value; quoted values may hold commas.
Result<Challenge> parse_challenge(std::string_view header);

struct Credentials {
  std::string username;
  std::string password;
};

std::string base64_encode(std::string_view data);
Result<std::string> base64_decode(std::string_view text);
// "Authorization: Basic ..." header line.
std::string basic_authorization(const Credentials& credentials);
// Percent-encoding for query values.
std::string url_escape(std::string_view text);

// ROOT/auth.json, mode 0600: {"auths": {"REGISTRY": {"auth": base64("user:password")}}},
// the shape of Docker's config.json. Written atomically; read on every lookup so a login
// takes effect at once.
class CredentialStore {
 public:
  explicit CredentialStore(std::string path) : path_(std::move(path)) {}
  std::optional<Credentials> find(const std::string& registry) const;
  Status save(const std::string& registry, const Credentials& credentials);
  // False when there was nothing stored for `registry`.
  Result<bool> erase(const std::string& registry);

 private:
  Result<std::map<std::string, std::string>> load() const;  // registry -> auth
  Status store(const std::map<std::string, std::string>& auths);
  std::string path_;
};

}  // namespace asup::registry
