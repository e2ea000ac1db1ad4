#include "image/image_json.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

#include "image/digest.hpp"

namespace asup::image {
namespace {

using nlohmann::json;

Result<json> parse_json(std::string_view text, std::string_view what) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(std::string{what} + ": not valid JSON");
  if (!doc.is_object()) return fail(std::string{what} + ": not a JSON object");
  return doc;
}

std::string string_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// Docker writes null for absent lists; anything that is not a list of strings counts as
// absent rather than failing an otherwise runnable image.
std::vector<std::string> string_list(const json& obj, const char* key) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

Result<Descriptor> parse_descriptor(const json& obj, std::string_view what) {
  if (!obj.is_object()) return fail(std::string{what} + ": descriptor is not an object");
  Descriptor d;
  d.media_type = string_field(obj, "mediaType");
  d.digest = string_field(obj, "digest");
  if (!is_sha256_digest(d.digest))
    return fail(std::string{what} + ": unsupported or invalid digest \"" + d.digest + "\"");
  if (auto it = obj.find("size"); it != obj.end() && it->is_number_integer())
    d.size = it->get<std::int64_t>();
  if (auto it = obj.find("annotations"); it != obj.end() && it->is_object())
    for (const auto& [k, v] : it->items())
      if (v.is_string()) d.annotations[k] = v.get<std::string>();
  if (auto it = obj.find("platform"); it != obj.end() && it->is_object())
    d.platform = Platform{string_field(*it, "os"), string_field(*it, "architecture"),
                          string_field(*it, "variant")};
  return d;
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm: proleptic Gregorian date to days since 1970-01-01.
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

bool is_index_type(std::string_view t) {
  return t == media_type::kOciIndex || t == media_type::kDockerList;
}

bool is_manifest_type(std::string_view t) {
  return t == media_type::kOciManifest || t == media_type::kDockerManifest;
}

Result<std::string> document_media_type(std::string_view text) {
  ASUP_TRY(auto doc, parse_json(text, "manifest"));
  std::string t = string_field(doc, "mediaType");
  if (!t.empty()) return t;
  if (doc.contains("manifests")) return std::string{media_type::kOciIndex};
  if (doc.contains("layers") && doc.contains("config"))
    return std::string{media_type::kOciManifest};
  return fail("manifest: neither an image manifest nor an index");
}

Result<std::vector<Descriptor>> parse_index(std::string_view text) {
  ASUP_TRY(auto doc, parse_json(text, "index"));
  auto it = doc.find("manifests");
  if (it == doc.end() || !it->is_array()) return fail("index: no \"manifests\" list");
  std::vector<Descriptor> out;
  for (const auto& entry : *it) {
    ASUP_TRY(auto d, parse_descriptor(entry, "index"));
    out.push_back(std::move(d));
  }
  return out;
}

Result<Manifest> parse_manifest(std::string_view text) {
  ASUP_TRY(auto doc, parse_json(text, "manifest"));
  std::string t = string_field(doc, "mediaType");
  if (!t.empty() && !is_manifest_type(t))
    return fail("manifest: unsupported media type \"" + t + "\"");
  if (auto v = doc.find("schemaVersion"); v == doc.end() || *v != 2)
    return fail("manifest: unsupported schema version (only 2)");
  auto config = doc.find("config");
  auto layers = doc.find("layers");
  if (config == doc.end() || layers == doc.end() || !layers->is_array())
    return fail("manifest: missing config or layers");
  Manifest m;
  ASUP_TRY(m.config, parse_descriptor(*config, "manifest config"));
  for (const auto& layer : *layers) {
    ASUP_TRY(auto d, parse_descriptor(layer, "manifest layer"));
    // Encrypted layers (+encrypted) would unpack to garbage; refuse them by name.
    if (d.media_type.find("+encrypted") != std::string::npos)
      return fail("manifest: unsupported layer type \"" + d.media_type + "\"");
    m.layers.push_back(std::move(d));
  }
  return m;
}

namespace {

// Healthcheck's durations and retries: integers (ns); anything else is Docker's default.
std::int64_t integer_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

// config.Healthcheck (HEALTHCHECK): absent or not an object, the image has none.
std::optional<HealthConfig> parse_healthcheck(const json& cfg) {
  auto it = cfg.find("Healthcheck");
  if (it == cfg.end() || !it->is_object()) return std::nullopt;
  HealthConfig h;
  h.test = string_list(*it, "Test");
  h.interval = integer_field(*it, "Interval");
  h.timeout = integer_field(*it, "Timeout");
  h.start_period = integer_field(*it, "StartPeriod");
  h.start_interval = integer_field(*it, "StartInterval");
  h.retries = integer_field(*it, "Retries");
  return h;
}

}  // namespace

Result<Config> parse_config(std::string_view text) {
  ASUP_TRY(auto doc, parse_json(text, "config"));
  Config c;
  c.os = string_field(doc, "os");
  c.architecture = string_field(doc, "architecture");
  if (std::string created = string_field(doc, "created"); !created.empty())
    if (auto t = parse_rfc3339(created)) c.created = t.value();
  auto rootfs = doc.find("rootfs");
  if (rootfs == doc.end() || !rootfs->is_object()) return fail("config: no rootfs section");
  auto diff_ids = rootfs->find("diff_ids");
  if (diff_ids == rootfs->end() || !diff_ids->is_array()) return fail("config: no rootfs.diff_ids");
  for (const auto& d : *diff_ids) {
    if (!d.is_string() || !is_sha256_digest(d.get<std::string>()))
      return fail("config: invalid diff id " + d.dump());
    c.diff_ids.push_back(d.get<std::string>());
  }
  if (auto cfg = doc.find("config"); cfg != doc.end() && cfg->is_object()) {
    c.runtime.entrypoint = string_list(*cfg, "Entrypoint");
    c.runtime.cmd = string_list(*cfg, "Cmd");
    c.runtime.env = string_list(*cfg, "Env");
    c.runtime.working_dir = string_field(*cfg, "WorkingDir");
    c.runtime.user = string_field(*cfg, "User");
    c.runtime.stop_signal = string_field(*cfg, "StopSignal");
    if (auto ports = cfg->find("ExposedPorts"); ports != cfg->end() && ports->is_object())
      for (const auto& [port, unused] : ports->items()) c.runtime.exposed_ports.push_back(port);
    if (auto labels = cfg->find("Labels"); labels != cfg->end() && labels->is_object())
      for (const auto& [key, value] : labels->items())
        if (value.is_string()) c.runtime.labels[key] = value.get<std::string>();
    c.runtime.healthcheck = parse_healthcheck(*cfg);
    if (auto volumes = cfg->find("Volumes"); volumes != cfg->end() && volumes->is_object())
      for (const auto& [path, unused] : volumes->items()) c.runtime.volumes.push_back(path);
  }
  return c;
}

std::string_view host_architecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "386";
#elif defined(__arm__)
  return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "unknown";
#endif
}

bool runs_here(const Platform& p) {
  return p.os == "linux" && p.architecture == host_architecture();
}

Result<std::int64_t> parse_rfc3339(std::string_view s) {
  auto bad = [&] { return fail("invalid timestamp \"" + std::string{s} + "\""); };
  auto digits = [&](size_t pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!digits(0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(5, 2, month) || s[7] != '-' ||
      !digits(8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(11, 2, hour) || s[13] != ':' || !digits(14, 2, minute) || s[16] != ':' ||
      !digits(17, 2, second))
    return bad();
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return bad();
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return bad();
  }
  std::int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(pos + 4, 2, om))
      return bad();
    offset = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return days * 86400 + hour * 3600 + minute * 60 + second - offset;
}

std::string format_rfc3339(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string make_manifest(const Descriptor& config, const std::vector<Descriptor>& layers) {
  auto descriptor = [](const Descriptor& d) {
    return json{{"mediaType", d.media_type}, {"digest", d.digest}, {"size", d.size}};
  };
  json doc{{"schemaVersion", 2},
           {"mediaType", media_type::kOciManifest},
           {"config", descriptor(config)},
           {"layers", json::array()}};
  for (const auto& l : layers) doc["layers"].push_back(descriptor(l));
  return doc.dump();
}

std::string make_import_config(const std::string& diff_id, std::int64_t created) {
  std::string when = format_rfc3339(created);
  json doc{{"architecture", host_architecture()},
           {"os", "linux"},
           {"created", when},
           {"config", json::object()},
           {"rootfs", {{"type", "layers"}, {"diff_ids", json::array({diff_id})}}},
           {"history", json::array({{{"created", when}, {"comment", "Imported from tarball"}}})}};
  return doc.dump();
}

}  // namespace asup::image
