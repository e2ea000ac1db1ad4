#include "image/image_inspect.hpp"

#include "image/image_json.hpp"
#include "image/reference.hpp"

namespace asup::image {
namespace {

using nlohmann::json;

std::string string_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// Docker shows an absent list as null.
json list_or_null(const std::vector<std::string>& list) {
  return list.empty() ? json(nullptr) : json(list);
}

json object_or_null(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? *it : json(nullptr);
}

}  // namespace

json inspect_json(const ImageDetails& details) {
  const Image& image = details.image;
  json doc = json::parse(details.config, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) doc = json::object();
  json cfg = doc.contains("config") && doc["config"].is_object() ? doc["config"] : json::object();

  json tags = json::array();
  for (const auto& r : image.references) tags.push_back(familiar_form(r));
  json digests = json::array();
  for (const auto& d : image.repo_digests) digests.push_back(familiar_form(d));
  json ports = json::object();
  for (const auto& p : image.config.exposed_ports) ports[p] = json::object();
  // The config's own text keeps its precision ("...05.123456789Z"); ours is in seconds.
  std::string created = string_field(doc, "created");
  if (created.empty() || !parse_rfc3339(created)) created = format_rfc3339(image.created);

  json out{{"Id", image.id},
           {"RepoTags", tags},
           {"RepoDigests", digests},
           {"Parent", ""},
           {"Comment", ""},
           {"Created", created},
           {"DockerVersion", string_field(doc, "docker_version")},
           {"Author", string_field(doc, "author")},
           {"Config",
            {{"User", image.config.user},
             {"ExposedPorts", ports},
             {"Env", list_or_null(image.config.env)},
             {"Cmd", list_or_null(image.config.cmd)},
             {"Volumes", object_or_null(cfg, "Volumes")},
             {"WorkingDir", image.config.working_dir},
             {"Entrypoint", list_or_null(image.config.entrypoint)},
             {"Labels", object_or_null(cfg, "Labels")},
             {"StopSignal", image.config.stop_signal}}},
           {"Architecture", string_field(doc, "architecture")},
           {"Os", string_field(doc, "os")},
           {"Size", image.size},
           {"RootFS", {{"Type", "layers"}, {"Layers", image.diff_ids}}}};
  if (std::string variant = string_field(doc, "variant"); !variant.empty())
    out["Variant"] = variant;
  // HEALTHCHECK, shown only when the image has one, as Docker omits it.
  if (json check = object_or_null(cfg, "Healthcheck"); !check.is_null())
    out["Config"]["Healthcheck"] = check;
  return out;
}

}  // namespace asup::image
