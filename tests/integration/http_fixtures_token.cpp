#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <sstream>

#include "http_fixtures.hpp"
#include "http_fixtures_wire.hpp"

namespace asup::it {

using namespace wire;
namespace fs = std::filesystem;

namespace {

std::string random_bytes(std::size_t n) {
  std::string raw(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(n));
  return raw;
}

std::string base64url(std::string_view data) {
  std::string s = base64_encode(data);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (auto& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}

struct EvpPkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

std::string iso8601_utc(std::time_t t) {
  char buf[32];
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

// ---- TokenServer --------------------------------------------------------------------------

struct TokenServer::State {
  Options options;
  std::string dir;
  std::string cert_path;
  std::unique_ptr<EVP_PKEY, EvpPkeyFree> key;
  std::string cert_der;
  mutable std::mutex mutex;
  int requests = 0;
  int issued = 0;
  std::string last_scope;
  std::string last_authorization;
  std::unique_ptr<HttpServer> server;

  // ES256 key pair and a self-signed certificate for it. The registry verifies the x5c
  // chain with Go's x509.Verify against rootcertbundle; a certificate that is itself in the
  // root pool is a complete chain, so no separate CA is needed.
  void make_key_and_cert() {
    key.reset(EVP_EC_gen("P-256"));
    if (!key) FAIL("EVP_EC_gen P-256 failed");
    std::unique_ptr<X509, X509Free> cert(X509_new());
    X509_set_version(cert.get(), 2);
    std::string serial = random_bytes(4);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()),
                     static_cast<long>(std::stoul(to_hex(serial), nullptr, 16) & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7 * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("asup test token issuer"), -1,
                               -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                              std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      X509_add_ext(cert.get(), ext, -1);
      X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) FAIL("X509_sign failed");
    unsigned char* der = nullptr;
    int len = i2d_X509(cert.get(), &der);
    cert_der.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    cert_path = dir + "/token-issuer.pem";
    FILE* f = std::fopen(cert_path.c_str(), "w");
    if (!f || PEM_write_X509(f, cert.get()) != 1) FAIL("cannot write " << cert_path);
    std::fclose(f);
  }

  // JWS ES256: the signature is R || S, each 32 bytes big-endian, not OpenSSL's DER.
  std::string sign(const std::string& input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t len = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
      return "";
    std::string der(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
      return "";
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
    if (!sig) return "";
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    std::string raw(64, '\0');
    BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
  }

  std::string make_token(const std::string& subject, const nlohmann::json& access,
                         int expires_in) const {
    nlohmann::json header = {{"typ", "JWT"}, {"alg", "ES256"}, {"x5c", {base64_encode(cert_der)}}};
    std::time_t now = std::time(nullptr);
    nlohmann::json claims = {
        {"iss", options.issuer},           {"sub", subject},  {"aud", options.service},
        {"exp", now + expires_in},         {"nbf", now - 10}, {"iat", now},
        {"jti", to_hex(random_bytes(16))}, {"access", access}};
    std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
    return input + "." + base64url(sign(input));
  }

  // The grants for "type:name:actions" scopes: what was asked, cut down to `allowed`.
  static nlohmann::json grant(const std::vector<std::string>& scopes,
                              const std::vector<std::string>& allowed) {
    nlohmann::json access = nlohmann::json::array();
    for (auto& scope_list : scopes) {
      std::istringstream words(scope_list);  // several scopes may share one parameter
      std::string scope;
      while (words >> scope) {
        auto first = scope.find(':');
        auto last = scope.rfind(':');
        if (first == std::string::npos || first == last) continue;
        nlohmann::json actions = nlohmann::json::array();
        std::istringstream requested(scope.substr(last + 1));
        std::string action;
        while (std::getline(requested, action, ','))
          if (std::find(allowed.begin(), allowed.end(), action) != allowed.end())
            actions.push_back(action);
        access.push_back({{"type", scope.substr(0, first)},
                          {"name", scope.substr(first + 1, last - first - 1)},
                          {"actions", actions}});
      }
    }
    return access;
  }

  void handle(const HttpRequest& req, HttpStream& s) {
    std::string form = req.method == "POST" ? req.body : req.query;
    auto scopes = form_values(form, "scope");
    std::string authorization = req.header("Authorization");
    {
      std::lock_guard lock(mutex);
      ++requests;
      last_authorization = authorization;
      last_scope = joined_scopes(scopes);
    }
    if (req.path != "/token") return respond_error(s, 404, "NOT_FOUND", "no such endpoint");
    std::string service = first_form_value(form, "service");
    if (!service.empty() && service != options.service)
      return respond_error(s, 400, "INVALID_SERVICE", "unknown service " + service);

    std::string user, password;
    bool has_credentials = false;
    if (req.method == "GET" && !authorization.empty()) {
      if (lower(authorization).rfind("basic ", 0) != 0)
        return respond_error(s, 401, "UNAUTHORIZED", "only Basic credentials are accepted");
      std::string decoded = base64_decode(trim(authorization.substr(6)));
      auto colon = decoded.find(':');
      user = decoded.substr(0, colon);
      password = colon == std::string::npos ? "" : decoded.substr(colon + 1);
      has_credentials = true;
    } else if (req.method == "POST") {
      if (first_form_value(form, "grant_type") != "password")
        return respond_error(s, 400, "UNSUPPORTED_GRANT", "only grant_type=password");
      user = first_form_value(form, "username");
      password = first_form_value(form, "password");
      has_credentials = true;
    } else if (req.method != "GET") {
      return respond_error(s, 405, "UNSUPPORTED", "GET or POST");
    }
    std::vector<std::string> allowed;
    if (has_credentials) {
      auto it = options.users.find(user);
      if (it == options.users.end() || it->second != password)
        return respond_error(s, 401, "UNAUTHORIZED", "invalid username or password",
                             {{"WWW-Authenticate", "Basic realm=\"asup-test-token\""}});
      allowed = {"pull", "push", "delete", "*"};
    } else if (options.allow_anonymous) {
      user = "";
      allowed = options.anonymous_actions;
    } else {
      return respond_error(s, 401, "UNAUTHORIZED", "authentication required",
                           {{"WWW-Authenticate", "Basic realm=\"asup-test-token\""}});
    }
    std::string token = make_token(user, grant(scopes, allowed), options.expires_in);
    {
      std::lock_guard lock(mutex);
      ++issued;
    }
    nlohmann::json body = {{"token", token},
                           {"access_token", token},
                           {"expires_in", options.expires_in},
                           {"issued_at", iso8601_utc(std::time(nullptr))}};
    if (req.method == "POST") body["scope"] = joined_scopes(scopes);
    s.respond(200, {{"Content-Type", "application/json"}}, body.dump());
  }

  static std::string joined_scopes(const std::vector<std::string>& scopes) {
    std::string out;
    for (auto& sc : scopes) out += (out.empty() ? "" : " ") + sc;
    return out;
  }
};

TokenServer::TokenServer() : TokenServer(Options{}) {}

TokenServer::TokenServer(Options options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  state_->dir = make_temp_dir("asup-token");
  try {
    state_->make_key_and_cert();
    state_->server = std::make_unique<HttpServer>(
        [s = state_.get()](const HttpRequest& req, HttpStream& stream) { s->handle(req, stream); });
  } catch (...) {
    std::error_code ec;
    fs::remove_all(state_->dir, ec);
    throw;
  }
}

TokenServer::~TokenServer() {
  state_->server.reset();  // joins the threads before the state they use goes
  std::error_code ec;
  fs::remove_all(state_->dir, ec);
}

std::string TokenServer::host() const {
  return state_->server->host();
}

const std::string& TokenServer::root_cert_path() const {
  return state_->cert_path;
}

const TokenServer::Options& TokenServer::options() const {
  return state_->options;
}

Registry::TokenAuth TokenServer::registry_auth() const {
  return {realm(), state_->options.service, state_->options.issuer, state_->cert_path};
}

int TokenServer::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

int TokenServer::tokens_issued() const {
  std::lock_guard lock(state_->mutex);
  return state_->issued;
}

std::string TokenServer::last_scope() const {
  std::lock_guard lock(state_->mutex);
  return state_->last_scope;
}

std::string TokenServer::last_authorization() const {
  std::lock_guard lock(state_->mutex);
  return state_->last_authorization;
}

std::string TokenServer::make_token(const std::string& subject, const nlohmann::json& access,
                                    int expires_in) const {
  return state_->make_token(subject, access, expires_in);
}

}  // namespace asup::it
