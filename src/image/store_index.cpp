// ROOT/image/index.json: every image with its references, config and the blobs it uses,
// plus the unpacked size of each layer. Rewritten whole and atomically on every change.
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "image/digest.hpp"
#include "image/store.hpp"

namespace asup::image {
namespace {

using nlohmann::json;

constexpr int kIndexVersion = 1;

json health_to_json(const HealthConfig& h) {
  return json{{"test", h.test},
              {"interval", h.interval},
              {"timeout", h.timeout},
              {"start_period", h.start_period},
              {"start_interval", h.start_interval},
              {"retries", h.retries}};
}

std::optional<HealthConfig> health_from_json(const json& j) {
  auto it = j.find("healthcheck");
  if (it == j.end() || !it->is_object()) return std::nullopt;
  HealthConfig h;
  h.test = it->value("test", std::vector<std::string>{});
  h.interval = it->value("interval", std::int64_t{0});
  h.timeout = it->value("timeout", std::int64_t{0});
  h.start_period = it->value("start_period", std::int64_t{0});
  h.start_interval = it->value("start_interval", std::int64_t{0});
  h.retries = it->value("retries", std::int64_t{0});
  return h;
}

json config_to_json(const ImageConfig& c) {
  json j{{"entrypoint", c.entrypoint},       {"cmd", c.cmd},      {"env", c.env},
         {"working_dir", c.working_dir},     {"user", c.user},    {"stop_signal", c.stop_signal},
         {"exposed_ports", c.exposed_ports}, {"labels", c.labels}};
  if (c.healthcheck) j["healthcheck"] = health_to_json(*c.healthcheck);
  j["volumes"] = c.volumes;
  return j;
}

ImageConfig config_from_json(const json& j) {
  ImageConfig c;
  c.entrypoint = j.value("entrypoint", std::vector<std::string>{});
  c.cmd = j.value("cmd", std::vector<std::string>{});
  c.env = j.value("env", std::vector<std::string>{});
  c.working_dir = j.value("working_dir", "");
  c.user = j.value("user", "");
  c.stop_signal = j.value("stop_signal", "");
  c.exposed_ports = j.value("exposed_ports", std::vector<std::string>{});
  c.labels = j.value("labels", std::map<std::string, std::string>{});
  c.healthcheck = health_from_json(j);
  c.volumes = j.value("volumes", std::vector<std::string>{});
  return c;
}

std::string index_path(const std::string& root) {
  return fs::join(root, "index.json");
}

}  // namespace

Status Store::load_index() {
  std::string path = index_path(root_);
  if (!fs::exists(path)) return ok();
  ASUP_TRY(std::string text, fs::read_file(path));
  // The index is ours: a damaged one is reported, never silently replaced by an empty one.
  try {
    json doc = json::parse(text);
    if (doc.value("version", 0) != kIndexVersion)
      return fail("read " + path + ": unsupported index version");
    for (const auto& [id, j] : doc.at("images").items()) {
      if (!is_sha256_digest(id)) return fail("read " + path + ": invalid image id " + id);
      Image image;
      image.id = id;
      image.manifest_digest = j.at("manifest").get<std::string>();
      image.references = j.at("references").get<std::vector<std::string>>();
      // Indexes written before repo digests existed have none.
      image.repo_digests = j.value("repo_digests", std::vector<std::string>{});
      image.diff_ids = j.at("diff_ids").get<std::vector<std::string>>();
      image.config = config_from_json(j.at("config"));
      image.created = j.value("created", std::int64_t{0});
      image.size = j.value("size", std::int64_t{0});
      for (const auto& ref : image.references) refs_[ref] = id;
      blobs_[id] = j.at("blobs").get<std::vector<std::string>>();
      images_[id] = std::move(image);
    }
    for (const auto& [diff_id, j] : doc.at("layers").items())
      layer_sizes_[diff_id] = j.at("size").get<std::int64_t>();
  } catch (const json::exception& e) {
    return fail("read " + path + ": " + e.what());
  }
  return ok();
}

Status Store::save_index() {
  json images = json::object();
  for (const auto& [id, image] : images_) {
    auto blobs = blobs_.find(id);
    images[id] = json{{"manifest", image.manifest_digest},
                      {"references", image.references},
                      {"repo_digests", image.repo_digests},
                      {"diff_ids", image.diff_ids},
                      {"blobs", blobs == blobs_.end() ? std::vector<std::string>{} : blobs->second},
                      {"config", config_to_json(image.config)},
                      {"created", image.created},
                      {"size", image.size}};
  }
  json layers = json::object();
  for (const auto& [diff_id, size] : layer_sizes_) layers[diff_id] = json{{"size", size}};
  json doc{
      {"version", kIndexVersion}, {"images", std::move(images)}, {"layers", std::move(layers)}};
  // The index is the only record of what is installed: it goes to disk before we say so.
  std::string text = doc.dump(1, ' ', false, json::error_handler_t::replace);
  return fs::write_file_atomic(index_path(root_), text, 0644, /*sync=*/true);
}

}  // namespace asup::image
