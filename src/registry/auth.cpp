#include "registry/auth.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"

namespace asup::registry {
namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

}  // namespace

Result<Challenge> parse_challenge(std::string_view h) {
  auto bad = [&] { return fail("malformed WWW-Authenticate header \"" + std::string(h) + "\""); };
  size_t i = 0;
  auto skip_space = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
  };
  skip_space();
  size_t start = i;
  while (i < h.size() && is_token_char(h[i])) ++i;
  if (i == start) return bad();
  Challenge c;
  c.scheme = lowercase(h.substr(start, i - start));
  for (;;) {
    skip_space();
    if (i >= h.size()) break;
    start = i;
    while (i < h.size() && is_token_char(h[i])) ++i;
    if (i == start) return bad();
    std::string name = lowercase(h.substr(start, i - start));
    skip_space();
    // "Bearer realm=...,error=..., Basic realm=..." : a second scheme starts; stop there.
    if (i >= h.size() || h[i] != '=') break;
    ++i;
    skip_space();
    std::string value;
    if (i < h.size() && h[i] == '"') {
      ++i;
      for (;; ++i) {
        if (i >= h.size()) return bad();
        if (h[i] == '"') break;
        if (h[i] == '\\' && i + 1 < h.size()) ++i;
        value += h[i];
      }
      ++i;
    } else {
      start = i;
      while (i < h.size() && h[i] != ',' && h[i] != ' ') ++i;
      value = std::string(h.substr(start, i - start));
    }
    c.params[name] = value;
    skip_space();
    if (i < h.size() && h[i] == ',') ++i;
  }
  return c;
}

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return fail("invalid base64");
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return fail("invalid base64");
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t pad = 0;
  for (size_t k = text.size(); k > 0 && text[k - 1] == '=' && pad < 2; --k) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string basic_authorization(const Credentials& c) {
  return "Authorization: Basic " + base64_encode(c.username + ":" + c.password);
}

std::string url_escape(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> CredentialStore::load() const {
  std::map<std::string, std::string> auths;
  if (!fs::exists(path_)) return auths;
  ASUP_TRY(auto text, fs::read_file(path_));
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail("parse " + path_ + ": invalid JSON");
  if (doc.contains("auths") && doc["auths"].is_object())
    for (auto& [registry, entry] : doc["auths"].items())
      if (entry.is_object() && entry.contains("auth") && entry["auth"].is_string())
        auths[registry] = entry["auth"].get<std::string>();
  return auths;
}

Status CredentialStore::store(const std::map<std::string, std::string>& auths) {
  nlohmann::json doc{{"auths", nlohmann::json::object()}};
  for (auto& [registry, auth] : auths) doc["auths"][registry] = {{"auth", auth}};
  return fs::write_file_atomic(path_, doc.dump(2) + "\n", 0600, /*sync=*/true);
}

std::optional<Credentials> CredentialStore::find(const std::string& registry) const {
  auto auths = load();
  if (!auths) return std::nullopt;
  auto it = auths.value().find(registry);
  if (it == auths.value().end()) return std::nullopt;
  auto decoded = base64_decode(it->second);
  if (!decoded) return std::nullopt;
  auto colon = decoded.value().find(':');
  if (colon == std::string::npos) return std::nullopt;
  return Credentials{decoded.value().substr(0, colon), decoded.value().substr(colon + 1)};
}

Status CredentialStore::save(const std::string& registry, const Credentials& c) {
  ASUP_TRY(auto auths, load());
  auths[registry] = base64_encode(c.username + ":" + c.password);
  return store(auths);
}

Result<bool> CredentialStore::erase(const std::string& registry) {
  ASUP_TRY(auto auths, load());
  if (!auths.erase(registry)) return false;
  ASUP_TRY(store(auths));
  return true;
}

}  // namespace asup::registry
