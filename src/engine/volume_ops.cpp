// Requests about volumes: volume create, ls, inspect, rm, prune, over the volume store.
// Removal deletes trees, so rm and prune run on the worker pool (the store is thread-safe;
// its in-use check and its rename out of sight are one step under its lock).
#include "asup/protocol.hpp"
#include "engine/engine.hpp"

namespace asup::engine {
namespace {

constexpr int kFailed = 1;

nlohmann::json map_or_null(const std::map<std::string, std::string>& m) {
  return m.empty() ? nlohmann::json() : nlohmann::json(m);
}

// Docker's JSON for a volume (api/types/volume.Volume).
nlohmann::json volume_json(const volume::Volume& v) {
  return {{"CreatedAt", volume::created_at(v)},
          {"Driver", v.driver},
          {"Labels", map_or_null(v.labels)},
          {"Mountpoint", v.mountpoint},
          {"Name", v.name},
          {"Options", map_or_null(v.options)},
          {"Scope", "local"}};
}

api::VolumeSummary summary_of(const volume::Volume& v) {
  api::VolumeSummary out;
  out.name = v.name;
  out.driver = v.driver;
  out.mountpoint = v.mountpoint;
  out.created_at = volume::created_at(v);
  out.labels = v.labels;
  out.options = v.options;
  return out;
}

}  // namespace

void Engine::volume_create(const CallerPtr& s, const api::VolumeCreateRequest& req) {
  if (!req.driver.empty() && req.driver != volume::kLocalDriver)
    return s->send_error(kFailed, "error looking up volume plugin " + req.driver + ": plugin \"" +
                                      req.driver + "\" not found");
  auto v = volumes_->create(req.name, req.labels, req.options);
  if (!v) return s->send_error(kFailed, v.error().message);
  s->reply(api::IdResult{v.value().name});
}

void Engine::volume_ls(const CallerPtr& s, const api::VolumeLsRequest& req) {
  auto filters = volume::parse_filters(req.filters, volume::FilterScope::list);
  if (!filters) return s->send_error(kFailed, filters.error().message);
  api::VolumeLsResult result;
  for (const auto& v : volumes_->list(filters.value())) result.volumes.push_back(summary_of(v));
  s->reply(result);
}

void Engine::volume_inspect(const CallerPtr& s, const api::VolumeInspectRequest& req) {
  api::InspectResult result;
  for (const auto& name : req.names) {
    auto v = volumes_->get(name);
    if (!v)
      result.errors.push_back("No such volume: " + name);
    else
      result.items.push_back(volume_json(v.value()));
  }
  s->reply(result);
}

void Engine::volume_rm(const CallerPtr& s, const api::VolumeRmRequest& req) {
  loop_.offload(
      [store = volumes_.get(), names = req.names, force = req.force] {
        api::OutcomesResult result;
        for (const auto& name : names) {
          auto item = api::Outcome::success(name);
          if (auto r = store->remove(name, force); !r) item.error = r.error().message;
          result.results.push_back(std::move(item));
        }
        return result;
      },
      [s](api::OutcomesResult result) { s->reply(result); });
}

void Engine::volume_prune(const CallerPtr& s, const api::VolumePruneRequest& req) {
  auto flags = req.filters;
  if (req.all) flags.push_back("all=true");
  auto filters = volume::parse_filters(flags, volume::FilterScope::prune);
  if (!filters) return s->send_error(kFailed, filters.error().message);
  loop_.offload([store = volumes_.get(), f = filters.value()] { return store->prune(f); },
                [s](Result<volume::PruneResult> r) {
                  if (!r) return s->send_error(protocol::kExitEngineError, r.error().describe());
                  api::ImagePruneResult out;
                  out.lines = r.value().removed;
                  out.reclaimed = r.value().reclaimed;
                  s->reply(out);
                });
}

}  // namespace asup::engine
