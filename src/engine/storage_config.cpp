#include "engine/storage_config.hpp"

#include <algorithm>

#include "launch/mount_plan.hpp"
#include "volume/paths.hpp"

namespace asup::engine {
namespace {

bool user_mount(const ContainerMount& m) {
  return m.origin == MountOrigin::volume_flag || m.origin == MountOrigin::mount_flag;
}

auto find_target(std::vector<ContainerMount>& mounts, const std::string& target) {
  return std::find_if(mounts.begin(), mounts.end(),
                      [&](const ContainerMount& m) { return m.spec.target == target; });
}

Status add_user_mount(ContainerConfig& c, volume::MountSpec spec, MountOrigin origin,
                      const std::string& text) {
  ASUP_TRY(launch::check_mount_destination(spec.target));
  if (find_target(c.volumes, spec.target) != c.volumes.end())
    return fail(EINVAL, "Duplicate mount point: " + spec.target);
  ContainerMount m;
  m.anonymous = spec.anonymous();
  m.spec = std::move(spec);
  m.origin = origin;
  m.text = text;
  c.volumes.push_back(std::move(m));
  return ok();
}

}  // namespace

Status merge_storage(const api::RunRequest& r, const image::ImageConfig& image,
                     ContainerConfig& c) {
  for (const auto& text : r.volumes) {
    ASUP_TRY(auto spec, volume::parse_volume_flag(text));
    ASUP_TRY(add_user_mount(c, std::move(spec), MountOrigin::volume_flag, text));
  }
  for (const auto& text : r.mounts) {
    ASUP_TRY(auto spec, volume::parse_mount_flag(text));
    ASUP_TRY(add_user_mount(c, std::move(spec), MountOrigin::mount_flag, text));
  }
  for (const auto& path : image.volumes) {
    std::string target = volume::clean_path(path);
    // An image's VOLUME at a path the user mounts something on is that mount, and one
    // that may not be mounted on (a hostile or odd image: "/", "/proc") is left out.
    if (target.empty() || target.front() != '/' || target == "/") continue;
    if (!launch::check_mount_destination(target)) continue;
    if (find_target(c.volumes, target) != c.volumes.end()) continue;
    ContainerMount m;
    m.spec.type = volume::MountType::volume;
    m.spec.target = target;
    m.origin = MountOrigin::image;
    m.anonymous = true;
    c.volumes.push_back(std::move(m));
  }
  return ok();
}

Result<VolumesFrom> parse_volumes_from(const std::string& text) {
  VolumesFrom from;
  auto colon = text.find(':');
  from.container = text.substr(0, colon);
  if (from.container.empty()) return fail(EINVAL, "invalid volumes-from: '" + text + "'");
  if (colon == std::string::npos) return from;
  std::string mode = text.substr(colon + 1);
  // Docker accepts the -v modes here; only ro and rw change anything for a copied mount.
  bool read_only = false, seen = false;
  std::size_t start = 0;
  for (;;) {
    auto comma = mode.find(',', start);
    std::string word = mode.substr(start, comma - start);
    if (word == "ro" || word == "rw") {
      read_only = word == "ro";
      seen = true;
    } else if (word != "z" && word != "Z") {
      return fail(EINVAL, "invalid mode: " + mode);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (seen) from.read_only = read_only;
  return from;
}

void add_volumes_from(const ContainerConfig& source, const VolumesFrom& from, ContainerConfig& c) {
  for (const auto& theirs : source.volumes) {
    // A tmpfs is the source container's own memory, not something to share.
    if (theirs.spec.type == volume::MountType::tmpfs) continue;
    auto at = find_target(c.volumes, theirs.spec.target);
    if (at != c.volumes.end() && (user_mount(*at) || at->origin == MountOrigin::volumes_from))
      continue;
    ContainerMount m = theirs;
    m.origin = MountOrigin::volumes_from;
    m.anonymous = false;  // the source container's to remove, not this one's
    m.text.clear();
    if (from.read_only) m.spec.read_only = *from.read_only;
    if (at != c.volumes.end())
      *at = std::move(m);
    else
      c.volumes.push_back(std::move(m));
  }
}

}  // namespace asup::engine
