// Docker's reference grammar (github.com/distribution/reference):
//   reference := name [ ":" tag ] [ "@" digest ]
//   name      := [ domain "/" ] path-component ( "/" path-component )*
//   domain    := host [ ":" port ]
// and its normalisation: a first component is a registry only if it contains "." or ":",
// is "localhost", or has upper-case letters; otherwise the registry is docker.io, and a
// single-component docker.io repository lives under "library/".
#include "image/reference.hpp"

#include <cctype>

namespace asup::image {
namespace {

constexpr std::string_view kDefaultRegistry = "docker.io";
constexpr std::string_view kLegacyRegistry = "index.docker.io";
constexpr std::string_view kOfficialPrefix = "library/";
constexpr size_t kMaxNameLength = 255;

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool is_word(char c) {
  return is_alnum(c) || c == '_';
}
bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// path-component := [a-z0-9]+ ( separator [a-z0-9]+ )*, separator := [_.] | "__" | "-"+
bool valid_path_component(std::string_view s) {
  if (s.empty() || !is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
  for (size_t i = 0; i < s.size();) {
    if (is_lower_alnum(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && !is_lower_alnum(s[j])) ++j;
    std::string_view sep = s.substr(i, j - i);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "_" || sep == "." || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_component(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  for (char c : s)
    if (!is_alnum(c) && c != '-') return false;
  return true;
}

bool valid_port(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// host [":" port], where host is dotted domain components or a bracketed IPv6 address.
bool valid_domain(std::string_view s) {
  std::string_view host = s;
  std::string_view port;
  bool has_port = false;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    for (char c : s.substr(1, close - 1))
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    std::string_view rest = s.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    return valid_port(rest.substr(1));
  }
  if (size_t colon = s.rfind(':'); colon != std::string_view::npos) {
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    has_port = true;
  }
  if (has_port && !valid_port(port)) return false;
  if (host.empty()) return false;
  for (size_t start = 0;;) {
    size_t dot = host.find('.', start);
    if (!valid_domain_component(host.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// tag := [\w][\w.-]{0,127}
bool valid_tag(std::string_view s) {
  if (s.empty() || s.size() > 128 || !is_word(s.front())) return false;
  for (char c : s)
    if (!is_word(c) && c != '.' && c != '-') return false;
  return true;
}

// Only sha256 is in use by registries and engines; other algorithms are refused rather
// than carried around unverifiable.
bool valid_digest(std::string_view s) {
  constexpr std::string_view kAlgo = "sha256:";
  if (s.substr(0, kAlgo.size()) != kAlgo) return false;
  std::string_view hex = s.substr(kAlgo.size());
  if (hex.size() != 64) return false;
  for (char c : hex)
    if (!is_hex(c)) return false;
  return true;
}

bool is_64_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!is_hex(c)) return false;
  return true;
}

bool has_upper(std::string_view s) {
  for (char c : s)
    if (c >= 'A' && c <= 'Z') return true;
  return false;
}

auto invalid(std::string_view text) {
  return fail("invalid reference format: \"" + std::string{text} + "\"");
}

}  // namespace

std::string Reference::full() const {
  std::string out = registry + "/" + repository;
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::familiar_repository() const {
  if (registry != kDefaultRegistry) return registry + "/" + repository;
  std::string_view repo = repository;
  if (repo.substr(0, kOfficialPrefix.size()) == kOfficialPrefix &&
      repo.find('/', kOfficialPrefix.size()) == std::string_view::npos)
    repo.remove_prefix(kOfficialPrefix.size());
  return std::string{repo};
}

std::string Reference::familiar() const {
  std::string out = familiar_repository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

Result<Reference> parse_reference(std::string_view text) {
  if (text.empty()) return invalid(text);
  Reference ref;
  std::string_view rest = text;

  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    std::string_view digest = rest.substr(at + 1);
    if (!valid_digest(digest)) return invalid(text);
    ref.digest = std::string{digest};
    rest = rest.substr(0, at);
  }

  // The domain is split off first: its ":port" is not a tag separator.
  std::string_view remainder = rest;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, slash);
    bool is_domain = first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
                     has_upper(first);
    if (is_domain) {
      if (!valid_domain(first)) return invalid(text);
      ref.registry = std::string{first};
      remainder = rest.substr(slash + 1);
    }
  }
  if (ref.registry.empty() || ref.registry == kLegacyRegistry)
    ref.registry = std::string{kDefaultRegistry};

  if (size_t colon = remainder.rfind(':'); colon != std::string_view::npos) {
    std::string_view tag = remainder.substr(colon + 1);
    if (!valid_tag(tag)) return invalid(text);
    ref.tag = std::string{tag};
    remainder = remainder.substr(0, colon);
  }

  if (remainder.empty()) return invalid(text);
  if (has_upper(remainder))
    return fail("invalid reference format: repository name \"" + std::string{remainder} +
                "\" must be lowercase");
  for (size_t start = 0;;) {
    size_t slash = remainder.find('/', start);
    if (!valid_path_component(remainder.substr(start, slash - start))) return invalid(text);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  // A bare 64-hex name is an image id, never a repository (Docker refuses it too).
  if (ref.registry == kDefaultRegistry && is_64_hex(remainder))
    return fail("invalid repository name (" + std::string{remainder} +
                "), cannot specify 64-byte hexadecimal strings");

  ref.repository = std::string{remainder};
  if (ref.registry == kDefaultRegistry && ref.repository.find('/') == std::string::npos)
    ref.repository = std::string{kOfficialPrefix} + ref.repository;
  if (ref.registry.size() + 1 + ref.repository.size() > kMaxNameLength)
    return fail("invalid reference format: repository name \"" + std::string{text} +
                "\" must not be more than 255 characters");
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

std::string familiar_form(const std::string& full) {
  auto ref = parse_reference(full);
  return ref ? ref.value().familiar() : full;
}

std::string repository_of(const std::string& full) {
  auto ref = parse_reference(full);
  return ref ? ref.value().registry + "/" + ref.value().repository : full;
}

}  // namespace asup::image
