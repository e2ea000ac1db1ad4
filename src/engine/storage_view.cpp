#include "engine/storage_view.hpp"

#include <algorithm>

namespace asup::engine {
namespace {

using nlohmann::json;

json mount_point(const ContainerMount& m) {
  const auto& s = m.spec;
  json out{{"Type", volume::mount_type_name(s.type)}};
  if (s.type == volume::MountType::volume) out["Name"] = s.source;
  out["Source"] = s.type == volume::MountType::tmpfs ? "" : m.host_path;
  out["Destination"] = s.target;
  if (s.type == volume::MountType::volume) out["Driver"] = "local";
  out["Mode"] = s.mode;
  out["RW"] = !s.read_only;
  out["Propagation"] = s.propagation;
  return out;
}

// A --mount entry as Docker's HostConfig.Mounts holds it (api/types/mount.Mount).
json host_mount(const ContainerMount& m) {
  const auto& s = m.spec;
  json out{{"Type", volume::mount_type_name(s.type)}, {"Target", s.target}};
  if (!s.source.empty() && !m.anonymous) out["Source"] = s.source;
  if (s.read_only) out["ReadOnly"] = true;
  if (s.type == volume::MountType::bind && s.propagation != "rprivate")
    out["BindOptions"] = {{"Propagation", s.propagation}};
  if (s.type == volume::MountType::volume &&
      (!s.copy_data || !s.volume_labels.empty() || !s.volume_options.empty())) {
    json opts = json::object();
    if (!s.copy_data) opts["NoCopy"] = true;
    if (!s.volume_labels.empty()) opts["Labels"] = s.volume_labels;
    if (!s.volume_options.empty())
      opts["DriverConfig"] = {{"Name", "local"}, {"Options", s.volume_options}};
    out["VolumeOptions"] = opts;
  }
  if (s.type == volume::MountType::tmpfs && (s.tmpfs_size > 0 || s.tmpfs_mode)) {
    json opts = json::object();
    if (s.tmpfs_size > 0) opts["SizeBytes"] = s.tmpfs_size;
    if (s.tmpfs_mode) opts["Mode"] = *s.tmpfs_mode;
    out["TmpfsOptions"] = opts;
  }
  return out;
}

// Docker lists mount points by destination.
std::vector<const ContainerMount*> by_destination(const std::vector<ContainerMount>& mounts) {
  std::vector<const ContainerMount*> sorted;
  for (const auto& m : mounts) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(), [](const ContainerMount* a, const ContainerMount* b) {
    return a->spec.target < b->spec.target;
  });
  return sorted;
}

}  // namespace

std::vector<api::MountSummary> mount_summaries(const std::vector<ContainerMount>& mounts) {
  std::vector<api::MountSummary> out;
  for (const auto* m : by_destination(mounts)) {
    bool volume = m->spec.type == volume::MountType::volume;
    out.push_back({volume ? m->spec.source : "",
                   m->spec.type == volume::MountType::tmpfs ? "" : m->host_path,
                   volume ? "local" : ""});
  }
  return out;
}

void add_storage_views(const ContainerConfig& config, nlohmann::json& doc) {
  auto sorted = by_destination(config.volumes);
  json mounts = json::array(), binds = json::array(), host_mounts = json::array();
  json volumes = json::object();
  for (const auto* m : sorted) mounts.push_back(mount_point(*m));
  for (const auto& m : config.volumes) {
    if (m.origin == MountOrigin::volume_flag && !m.anonymous) binds.push_back(m.text);
    if (m.origin == MountOrigin::mount_flag) host_mounts.push_back(host_mount(m));
    if ((m.origin == MountOrigin::volume_flag && m.anonymous) || m.origin == MountOrigin::image)
      volumes[m.spec.target] = json::object();
  }
  doc["Mounts"] = mounts;
  auto& host = doc["HostConfig"];
  host["Binds"] = binds.empty() ? json() : binds;
  host["Mounts"] = host_mounts.empty() ? json() : host_mounts;
  doc["Config"]["Volumes"] = volumes.empty() ? json() : volumes;
}

}  // namespace asup::engine
