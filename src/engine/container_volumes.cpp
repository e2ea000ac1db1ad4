// A container's volumes over its life: claimed at create (made on first use, anonymous ones
// named), filled from the image while still empty, mounted into each run, let go at
// removal (rm -v and --rm delete the anonymous ones), acquired again when asupd starts.
// The store counts users in memory only, as Docker counts its containers' mount points.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/engine.hpp"
#include "engine/storage_config.hpp"
#include "volume/populate.hpp"

namespace asup::engine {
namespace {

bool is_volume(const ContainerMount& m) {
  return m.spec.type == volume::MountType::volume;
}

std::size_t depth(const std::string& path) {
  return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
}

}  // namespace

Status Engine::start_volumes() {
  ASUP_TRY(volumes_, volume::Store::open(options_.root));
  return ok();
}

void Engine::reacquire_volumes(const ContainerConfig& config) {
  for (const auto& m : config.volumes)
    if (is_volume(m) && !m.spec.source.empty())
      if (auto r = volumes_->acquire(m.spec.source, config.id); !r)
        spdlog::warn("container {}: {}", config.id.substr(0, 12), r.error().describe());
}

Status Engine::resolve_volumes_from(const RunRequest& request, ContainerConfig& config) {
  for (const auto& text : request.volumes_from) {
    ASUP_TRY(auto from, parse_volumes_from(text));
    ASUP_TRY(auto* source, find(from.container));
    add_volumes_from(source->config, from, config);
  }
  return ok();
}

Status Engine::claim_volumes(ContainerConfig& config) {
  std::vector<std::string> made;  // anonymous volumes this create made
  auto claimed = [&]() -> Status {
    for (auto& m : config.volumes) {
      if (m.spec.type == volume::MountType::bind) m.host_path = m.spec.source;
      if (!is_volume(m)) continue;
      if (m.spec.source.empty() || !volumes_->get(m.spec.source)) {
        ASUP_TRY(auto v,
                 volumes_->create(m.spec.source, m.spec.volume_labels, m.spec.volume_options));
        if (m.spec.source.empty()) made.push_back(v.name);
        m.spec.source = v.name;
      }
      ASUP_TRY(volumes_->acquire(m.spec.source, config.id));
      m.host_path = volumes_->data_path(m.spec.source);
    }
    return ok();
  }();
  if (claimed) return ok();
  volumes_->release_all(config.id);
  for (const auto& name : made) (void)volumes_->remove(name, true);
  return claimed;
}

void Engine::drop_volumes(const ContainerConfig& config, bool remove_anonymous) {
  if (!volumes_) return;
  volumes_->release_all(config.id);
  if (!remove_anonymous) return;
  std::vector<std::string> doomed;
  for (const auto& m : config.volumes)
    if (is_volume(m) && m.anonymous && !m.spec.source.empty()) doomed.push_back(m.spec.source);
  if (doomed.empty()) return;
  // Still used by another container (--volumes-from): the store refuses, and Docker keeps
  // it too.
  loop_.offload(
      [store = volumes_.get(), doomed]() -> Status {
        for (const auto& name : doomed)
          if (auto r = store->remove(name, true); !r && r.error().code != EBUSY)
            spdlog::warn("remove volume {}: {}", name, r.error().describe());
        return ok();
      },
      [](Status) {});
}

void Engine::populate_volumes(const Instance& c, std::function<void(Status)> done) {
  struct Job {
    std::string path, data;
  };
  std::vector<Job> jobs;
  for (const auto& m : c.config.volumes) {
    if (!is_volume(m) || !m.spec.copy_data || m.origin == MountOrigin::volumes_from) continue;
    // A volume with a type (tmpfs, a device) is filled once mounted, as it is used.
    if (auto r = volumes_->mount_if_needed(m.spec.source); !r) return done(r.error());
    jobs.push_back({m.spec.target, volumes_->data_path(m.spec.source)});
  }
  if (jobs.empty()) return done(ok());
  auto image = images_->resolve(c.config.image_id);
  if (!image) return done(image.error());
  loop_.offload(
      [dirs = images_->layer_dirs(image.value()), jobs]() -> Status {
        for (const auto& job : jobs) {
          ASUP_TRY(volume::populate_from_layers(dirs, job.path, job.data));
        }
        return ok();
      },
      std::move(done));
}

Status Engine::layout_volumes(const ContainerConfig& config, launch::RootfsLayout& layout) {
  std::vector<const ContainerMount*> sorted;
  for (const auto& m : config.volumes) sorted.push_back(&m);
  // A mount below another's target goes after it, or the parent would hide it.
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return depth(a->spec.target) < depth(b->spec.target);
  });
  for (const auto* m : sorted) {
    const auto& s = m->spec;
    switch (s.type) {
      case volume::MountType::bind:
        layout.volumes.push_back({s.source, s.target, s.read_only, s.propagation});
        break;
      case volume::MountType::volume: {
        ASUP_TRY(volumes_->mount_if_needed(s.source));
        layout.volumes.push_back(
            {volumes_->data_path(s.source), s.target, s.read_only, s.propagation});
        break;
      }
      case volume::MountType::tmpfs: {
        std::string options = volume::tmpfs_options(s);
        layout.tmpfs.push_back(s.target + (options.empty() ? "" : ":" + options));
        break;
      }
    }
  }
  return ok();
}

}  // namespace asup::engine
