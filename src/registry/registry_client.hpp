// The OCI distribution API as a puller needs it: manifests and blobs of a repository,
// with the token flow (401 + WWW-Authenticate: Bearer -> token endpoint -> retry), Basic
// auth, stored credentials, and the plain-HTTP policy for insecure registries. One per
// daemon; everything runs on the event loop.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "asup/result.hpp"
#include "registry/auth.hpp"
#include "registry/http_client.hpp"

namespace asup::registry {

struct RegistryOptions {
  // Registries reached over plain HTTP (and HTTPS without certificate checks), besides
  // loopback: "host", "host:port" or an IPv4 CIDR, as Docker's --insecure-registry.
  std::vector<std::string> insecure;
  std::string credentials_path;  // ROOT/auth.json
};

// A repository of a registry, as references name them ("docker.io", "library/busybox").
struct Repository {
  std::string registry;
  std::string name;
};

struct Document {
  std::string media_type;  // Content-Type as the registry sent it
  std::string digest;      // "sha256:HEX" of the body
  std::string body;
};

// Where the network side of one blob download stands; lets the consumer pause it.
class BlobDownload {
 public:
  void resume();
  void cancel(const std::string& reason);

 private:
  friend class RegistryClient;
  std::shared_ptr<Transfer> current_;
  bool cancelled_ = false;
  std::string cancel_reason_;
};

class RegistryClient {
 public:
  template <class T>
  using Done = std::function<void(Result<T>)>;

  RegistryClient(boost::asio::io_context& io, RegistryOptions options);

  // GET /v2/NAME/manifests/REFERENCE with the four manifest Accept types; the body's
  // digest is checked against a digest reference and against Docker-Content-Digest.
  void fetch_manifest(const Repository& repo, const std::string& reference, Done<Document> done);
  // A small blob (a config), kept in memory, verified against `digest`.
  void fetch_blob(const Repository& repo, const std::string& digest, std::size_t limit,
                  Done<std::string> done);
  // A large blob, streamed to `on_body` (false: pause until BlobDownload::resume()). The
  // caller verifies what it received.
  std::shared_ptr<BlobDownload> stream_blob(const Repository& repo, const std::string& digest,
                                            std::function<bool(std::string_view)> on_body,
                                            Done<bool> done);
  // Checks `credentials` against the registry (GET /v2/ through its auth flow) and
  // stores them on success.
  void login(const std::string& registry, const Credentials& credentials, Done<bool> done);
  Result<bool> logout(const std::string& registry) { return credentials_.erase(registry); }

  // Plain HTTP allowed: loopback or listed with --insecure-registry.
  bool is_insecure(const std::string& host) const;

 private:
  struct Call;
  struct Token {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };
  void send(const std::shared_ptr<Call>& call);
  void authenticate(const std::shared_ptr<Call>& call, const HttpResponse& challenge);
  std::optional<std::string> authorization(const Call& call) const;
  std::string scheme_for(const std::string& host) const;

  HttpClient http_;
  RegistryOptions options_;
  CredentialStore credentials_;
  std::map<std::string, std::string> schemes_;  // host -> "http" once HTTPS failed there
  std::map<std::string, Token> tokens_;         // "host scope" -> bearer token
  std::map<std::string, bool> basic_;           // host -> asks for Basic auth
};

// "docker.io" -> "registry-1.docker.io"; anything else unchanged.
std::string api_host(const std::string& registry);
// Whether `host` ("h", "h:port", "[v6]:port") is a loopback address or name.
bool is_loopback_host(const std::string& host);

}  // namespace asup::registry
