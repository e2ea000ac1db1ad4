#include "engine/container_mount.hpp"

#include <map>

namespace asup::engine {
namespace {

using nlohmann::json;

const char* origin_name(MountOrigin origin) {
  switch (origin) {
    case MountOrigin::volume_flag:
      return "volume_flag";
    case MountOrigin::mount_flag:
      return "mount_flag";
    case MountOrigin::image:
      return "image";
    case MountOrigin::volumes_from:
      return "volumes_from";
  }
  return "volume_flag";
}

MountOrigin origin_of(const std::string& name) {
  if (name == "mount_flag") return MountOrigin::mount_flag;
  if (name == "image") return MountOrigin::image;
  if (name == "volumes_from") return MountOrigin::volumes_from;
  return MountOrigin::volume_flag;
}

volume::MountType type_of(const std::string& name) {
  if (name == "bind") return volume::MountType::bind;
  if (name == "tmpfs") return volume::MountType::tmpfs;
  return volume::MountType::volume;
}

// A value of the wrong type reads as the default: config.json is ours, but never trusted
// to the point of throwing on the loop.
template <class T>
T get(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}

json to_json(const ContainerMount& m) {
  const auto& s = m.spec;
  json j{{"type", volume::mount_type_name(s.type)},
         {"source", s.source},
         {"target", s.target},
         {"ro", s.read_only},
         {"propagation", s.propagation},
         {"copy_data", s.copy_data},
         {"volume_labels", s.volume_labels},
         {"volume_options", s.volume_options},
         {"volume_driver", s.volume_driver},
         {"tmpfs_size", s.tmpfs_size},
         {"mode", s.mode},
         {"origin", origin_name(m.origin)},
         {"text", m.text},
         {"anonymous", m.anonymous},
         {"host", m.host_path}};
  if (s.tmpfs_mode) j["tmpfs_mode"] = *s.tmpfs_mode;
  return j;
}

ContainerMount from_json(const json& j) {
  ContainerMount m;
  auto& s = m.spec;
  if (!j.contains("type")) {
    // Written before volumes existed: a -v bind.
    s.type = volume::MountType::bind;
    s.source = m.host_path = get<std::string>(j, "host", "");
    s.target = get<std::string>(j, "container", "");
    s.read_only = get<bool>(j, "ro", false);
    s.propagation = "rprivate";
    m.text = s.source + ":" + s.target + (s.read_only ? ":ro" : "");
    return m;
  }
  using Map = std::map<std::string, std::string>;
  s.type = type_of(get<std::string>(j, "type", "volume"));
  s.source = get<std::string>(j, "source", "");
  s.target = get<std::string>(j, "target", "");
  s.read_only = get<bool>(j, "ro", false);
  s.propagation = get<std::string>(j, "propagation", "");
  s.copy_data = get<bool>(j, "copy_data", true);
  s.volume_labels = get<Map>(j, "volume_labels", {});
  s.volume_options = get<Map>(j, "volume_options", {});
  s.volume_driver = get<std::string>(j, "volume_driver", "");
  s.tmpfs_size = get<std::int64_t>(j, "tmpfs_size", 0);
  if (j.contains("tmpfs_mode")) s.tmpfs_mode = get<mode_t>(j, "tmpfs_mode", 0755);
  s.mode = get<std::string>(j, "mode", "");
  m.origin = origin_of(get<std::string>(j, "origin", ""));
  m.text = get<std::string>(j, "text", "");
  m.anonymous = get<bool>(j, "anonymous", false);
  m.host_path = get<std::string>(j, "host", "");
  return m;
}

}  // namespace

nlohmann::json mounts_to_json(const std::vector<ContainerMount>& mounts) {
  json out = json::array();
  for (const auto& m : mounts) out.push_back(to_json(m));
  return out;
}

std::vector<ContainerMount> mounts_from_json(const nlohmann::json& j) {
  std::vector<ContainerMount> out;
  if (!j.is_array()) return out;
  for (const auto& item : j)
    if (item.is_object()) out.push_back(from_json(item));
  return out;
}

}  // namespace asup::engine
