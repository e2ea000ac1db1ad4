#include "registry/registry_client.hpp"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "image/digest.hpp"
#include "image/image_json.hpp"

namespace asup::registry {
namespace {

// Tokens are renewed a little before the registry would reject them.
constexpr auto kTokenMargin = std::chrono::seconds(5);
constexpr int kDefaultTokenSeconds = 60;  // distribution spec: when expires_in is absent

std::string host_without_port(const std::string& host) {
  if (!host.empty() && host[0] == '[') return host.substr(1, host.find(']') - 1);
  auto colon = host.find(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

// "scheme://host[:port]/..." -> "host[:port]"
std::string url_host(const std::string& url) {
  auto start = url.find("://");
  if (start == std::string::npos) return "";
  start += 3;
  auto end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  auto at = authority.rfind('@');
  return at == std::string::npos ? authority : authority.substr(at + 1);
}

bool in_ipv4_cidr(const std::string& host, const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return false;
  in_addr net{}, addr{};
  if (inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &net) != 1) return false;
  if (inet_pton(AF_INET, host_without_port(host).c_str(), &addr) != 1) return false;
  int bits = std::atoi(cidr.c_str() + slash + 1);
  if (bits < 0 || bits > 32) return false;
  std::uint32_t mask = bits == 0 ? 0 : htonl(~std::uint32_t{0} << (32 - bits));
  return (net.s_addr & mask) == (addr.s_addr & mask);
}

// The registry's own words from an error body ({"errors":[{"code":..,"message":..}]}).
std::string registry_errors(const std::string& body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  std::string out;
  if (doc.is_object() && doc.contains("errors") && doc["errors"].is_array())
    for (auto& e : doc["errors"]) {
      if (!e.is_object()) continue;
      std::string code = e.value("code", ""), message = e.value("message", "");
      if (!out.empty()) out += "; ";
      out += message.empty() ? code : code.empty() ? message : message;
    }
  return out;
}

std::string describe_status(const HttpResponse& r) {
  std::string detail = registry_errors(r.body);
  return "HTTP " + std::to_string(r.status) + (detail.empty() ? "" : ": " + detail);
}

std::string content_type(const HttpResponse& r) {
  std::string type = r.header("content-type");
  auto semi = type.find(';');
  if (semi != std::string::npos) type.resize(semi);
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

}  // namespace

std::string api_host(const std::string& registry) {
  return registry == "docker.io" ? "registry-1.docker.io" : registry;
}

bool is_loopback_host(const std::string& host) {
  std::string h = host_without_port(host);
  if (h == "localhost" || h == "::1") return true;
  in_addr addr{};
  return inet_pton(AF_INET, h.c_str(), &addr) == 1 && (ntohl(addr.s_addr) >> 24) == 127;
}

void BlobDownload::resume() {
  if (current_ && !cancelled_) current_->resume();
}

void BlobDownload::cancel(const std::string& reason) {
  if (cancelled_) return;
  cancelled_ = true;
  cancel_reason_ = reason;
  if (current_) current_->cancel(reason);
}

struct RegistryClient::Call {
  Repository repo;
  std::string path;  // below /v2/
  std::vector<std::string> headers;
  std::function<bool(std::string_view)> on_body;
  std::size_t max_body = 4 << 20;
  std::optional<Credentials> credentials;  // login: these, not the stored ones
  std::string scope;                       // "repository:NAME:pull", "" for the ping
  std::function<void(Result<HttpResponse>)> done;
  std::shared_ptr<BlobDownload> download;
  bool auth_tried = false;
  bool fallback_tried = false;
  bool body_started = false;
  std::string fresh_token;  // just fetched for this call
};

RegistryClient::RegistryClient(boost::asio::io_context& io, RegistryOptions options)
    : http_(io), options_(std::move(options)), credentials_(options_.credentials_path) {}

bool RegistryClient::is_insecure(const std::string& host) const {
  if (is_loopback_host(host)) return true;
  for (auto& entry : options_.insecure) {
    if (entry == host || entry == host_without_port(host)) return true;
    if (in_ipv4_cidr(host, entry)) return true;
  }
  return false;
}

std::string RegistryClient::scheme_for(const std::string& host) const {
  auto it = schemes_.find(host);
  return it == schemes_.end() ? "https" : it->second;
}

std::optional<std::string> RegistryClient::authorization(const Call& call) const {
  if (!call.fresh_token.empty()) return "Authorization: Bearer " + call.fresh_token;
  std::string host = api_host(call.repo.registry);
  auto token = tokens_.find(host + " " + call.scope);
  if (token != tokens_.end() && std::chrono::steady_clock::now() < token->second.expires)
    return "Authorization: Bearer " + token->second.value;
  auto basic = basic_.find(host);
  if (basic != basic_.end() && basic->second) {
    auto creds = call.credentials ? call.credentials : credentials_.find(call.repo.registry);
    if (creds) return basic_authorization(*creds);
  }
  return std::nullopt;
}

void RegistryClient::send(const std::shared_ptr<Call>& call) {
  if (call->download && call->download->cancelled_) {
    call->done(fail(ECANCELED, call->download->cancel_reason_));
    return;
  }
  std::string host = api_host(call->repo.registry);
  std::string scheme = scheme_for(host);
  HttpRequest req;
  req.url = scheme + "://" + host + "/v2/" + call->path;
  req.headers = call->headers;
  if (auto a = authorization(*call)) req.headers.push_back(*a);
  req.verify_tls = !is_insecure(call->repo.registry);
  req.max_body = call->max_body;
  if (call->on_body)
    req.on_body = [call](std::string_view chunk) {
      call->body_started = true;
      return call->on_body(chunk);
    };
  auto transfer = http_.start(std::move(req), [this, call, host, scheme](Result<HttpResponse> r) {
    if (!r) {
      // Docker's order for insecure registries: HTTPS first, plain HTTP when that fails.
      if (scheme == "https" && is_insecure(call->repo.registry) && !call->fallback_tried &&
          !call->body_started && r.error().code != ECANCELED) {
        call->fallback_tried = true;
        schemes_[host] = "http";
        send(call);
        return;
      }
      call->done(fail(r.error()));
      return;
    }
    if (r.value().status == 401 && !call->auth_tried) {
      call->auth_tried = true;
      authenticate(call, r.value());
      return;
    }
    call->done(std::move(r));
  });
  if (call->download) call->download->current_ = transfer;
}

void RegistryClient::authenticate(const std::shared_ptr<Call>& call, const HttpResponse& resp) {
  std::string host = api_host(call->repo.registry);
  auto challenge = parse_challenge(resp.header("www-authenticate"));
  if (!challenge) {
    call->done(resp);  // an unexplained 401: the caller reports it
    return;
  }
  auto creds = call->credentials ? call->credentials : credentials_.find(call->repo.registry);
  if (challenge.value().scheme == "basic") {
    if (!creds) {
      call->done(resp);
      return;
    }
    basic_[host] = true;
    send(call);
    return;
  }
  if (challenge.value().scheme != "bearer") {
    call->done(fail("registry " + call->repo.registry + " asks for unsupported authentication \"" +
                    challenge.value().scheme + "\""));
    return;
  }
  auto& params = challenge.value().params;
  std::string realm = params["realm"];
  bool plain = realm.rfind("http://", 0) == 0;
  if (!plain && realm.rfind("https://", 0) != 0) {
    call->done(fail("registry " + call->repo.registry + " names an invalid token realm \"" + realm +
                    "\""));
    return;
  }
  std::string realm_host = url_host(realm);
  if (plain && !is_insecure(realm_host)) {
    call->done(fail("refusing to fetch a token over plain HTTP from " + realm_host +
                    " (not an insecure registry)"));
    return;
  }
  std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
  url += "service=" + url_escape(params["service"]);
  if (!call->scope.empty()) url += "&scope=" + url_escape(call->scope);
  HttpRequest req;
  req.url = url;
  req.verify_tls = !is_insecure(realm_host);
  req.max_body = 1 << 20;
  if (creds) req.headers.push_back(basic_authorization(*creds));
  bool with_credentials = creds.has_value();
  http_.start(std::move(req), [this, call, host, with_credentials](Result<HttpResponse> r) {
    if (!r) {
      call->done(fail(r.error().wrap("fetch a token")));
      return;
    }
    auto& resp = r.value();
    if (resp.status == 401 || resp.status == 403) {
      call->done(fail(with_credentials ? "unauthorized: incorrect username or password"
                                       : "unauthorized: authentication required"));
      return;
    }
    if (resp.status != 200) {
      call->done(fail("fetch a token: " + describe_status(resp)));
      return;
    }
    auto doc = nlohmann::json::parse(resp.body, nullptr, false);
    std::string token;
    if (doc.is_object()) {
      if (doc.contains("token") && doc["token"].is_string()) token = doc["token"];
      if (token.empty() && doc.contains("access_token") && doc["access_token"].is_string())
        token = doc["access_token"];
    }
    if (token.empty()) {
      call->done(fail("fetch a token: the answer holds no token"));
      return;
    }
    int seconds = kDefaultTokenSeconds;
    if (doc.contains("expires_in") && doc["expires_in"].is_number_integer())
      seconds = doc["expires_in"].get<int>();
    auto expires = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    tokens_[host + " " + call->scope] = Token{token, expires - kTokenMargin};
    // Even a token that lives shorter than the margin is good for this one retry.
    call->fresh_token = token;
    send(call);
  });
}

void RegistryClient::fetch_manifest(const Repository& repo, const std::string& reference,
                                    Done<Document> done) {
  auto call = std::make_shared<Call>();
  call->repo = repo;
  call->path = repo.name + "/manifests/" + reference;
  call->scope = "repository:" + repo.name + ":pull";
  // Without all four, some registries fall back to the obsolete schema 1.
  call->headers = {"Accept: " + std::string(image::media_type::kOciIndex) + ", " +
                   std::string(image::media_type::kDockerList) + ", " +
                   std::string(image::media_type::kOciManifest) + ", " +
                   std::string(image::media_type::kDockerManifest)};
  call->done = [repo, reference, done](Result<HttpResponse> r) {
    if (!r) return done(fail(r.error()));
    auto& resp = r.value();
    if (resp.status == 404)
      return done(fail("manifest for " + repo.registry + "/" + repo.name + ":" + reference +
                       " not found: " + describe_status(resp)));
    if (resp.status == 401 || resp.status == 403)
      return done(fail("pull access denied for " + repo.registry + "/" + repo.name +
                       ", repository does not exist or may require 'asupctl login'"));
    if (resp.status != 200)
      return done(
          fail("fetch manifest " + repo.name + ":" + reference + ": " + describe_status(resp)));
    Document doc;
    doc.media_type = content_type(resp);
    doc.digest = "sha256:" + image::sha256_hex(resp.body);
    if (image::is_sha256_digest(reference) && doc.digest != reference)
      return done(
          fail("manifest " + reference + " of " + repo.name + ": content hashes to " + doc.digest));
    std::string claimed = resp.header("docker-content-digest");
    if (image::is_sha256_digest(claimed) && claimed != doc.digest)
      return done(fail("manifest " + repo.name + ":" + reference + ": content hashes to " +
                       doc.digest + ", the registry says " + claimed));
    doc.body = std::move(resp.body);
    done(std::move(doc));
  };
  send(call);
}

void RegistryClient::fetch_blob(const Repository& repo, const std::string& digest,
                                std::size_t limit, Done<std::string> done) {
  auto call = std::make_shared<Call>();
  call->repo = repo;
  call->path = repo.name + "/blobs/" + digest;
  call->scope = "repository:" + repo.name + ":pull";
  call->max_body = limit;
  call->done = [repo, digest, done](Result<HttpResponse> r) {
    if (!r) return done(fail(r.error()));
    auto& resp = r.value();
    if (resp.status != 200)
      return done(fail("fetch blob " + digest + " of " + repo.name + ": " + describe_status(resp)));
    std::string got = "sha256:" + image::sha256_hex(resp.body);
    if (got != digest)
      return done(fail("blob " + digest + " of " + repo.name + ": content hashes to " + got));
    done(std::move(resp.body));
  };
  send(call);
}

std::shared_ptr<BlobDownload> RegistryClient::stream_blob(
    const Repository& repo, const std::string& digest,
    std::function<bool(std::string_view)> on_body, Done<bool> done) {
  auto call = std::make_shared<Call>();
  call->repo = repo;
  call->path = repo.name + "/blobs/" + digest;
  call->scope = "repository:" + repo.name + ":pull";
  call->on_body = std::move(on_body);
  call->download = std::make_shared<BlobDownload>();
  call->done = [repo, digest, done](Result<HttpResponse> r) {
    if (!r) return done(fail(r.error()));
    if (r.value().status != 200)
      return done(
          fail("fetch blob " + digest + " of " + repo.name + ": " + describe_status(r.value())));
    done(true);
  };
  auto download = call->download;
  send(call);
  return download;
}

void RegistryClient::login(const std::string& registry, const Credentials& credentials,
                           Done<bool> done) {
  auto call = std::make_shared<Call>();
  call->repo = Repository{registry, ""};
  call->credentials = credentials;
  call->done = [this, registry, credentials, done](Result<HttpResponse> r) {
    if (!r) return done(fail(r.error()));
    if (r.value().status == 401 || r.value().status == 403)
      return done(fail("unauthorized: incorrect username or password"));
    if (r.value().status != 200)
      return done(fail("login to " + registry + ": " + describe_status(r.value())));
    if (auto saved = credentials_.save(registry, credentials); !saved)
      return done(fail(saved.error()));
    // Tokens fetched under other credentials must not outlive them.
    tokens_.clear();
    done(true);
  };
  send(call);
}

}  // namespace asup::registry
