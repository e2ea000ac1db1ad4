// Requests about images: images, load, import, rmi, tag, save, image inspect, image prune.
// What reads archives, writes files or unpacks runs on the worker pool. rmi and prune stay
// on the loop: whether a container uses an image and the removal must be one step, or a
// `run` handled in between could start on layers that are being deleted.
#include <set>

#include "asup/protocol.hpp"
#include "engine/engine.hpp"
#include "image/image_inspect.hpp"

namespace asup::engine {
namespace {

using nlohmann::json;

// Runs `work` (returning a Result) on the worker pool; the client then gets the result
// `reply(value)` makes of it, or the error.
template <class Work, class Reply>
void offload_request(loop::EventLoop& loop, const CallerPtr& s, Work work, Reply reply) {
  loop.offload(std::move(work), [s, reply = std::move(reply)](auto r) {
    if (!r) {
      s->send_error(protocol::kExitEngineError, r.error().describe());
      return;
    }
    s->reply(reply(r));
  });
}

// asupd resolves paths itself, from wherever it was started: a client must be exact.
bool require_absolute(const CallerPtr& s, const std::string& path, const char* op) {
  if (!path.empty() && path[0] == '/') return true;
  s->send_error(protocol::kExitEngineError,
                std::string{op} + ": an absolute archive path is required");
  return false;
}

}  // namespace

void Engine::images(const CallerPtr& s, const api::ImagesRequest&) {
  std::map<std::string, int> users;  // image id -> containers using it
  for (auto& [id, c] : containers_)
    if (!c->removing) ++users[c->config.image_id];
  api::ImagesResult result;
  for (auto& img : images_->list())
    result.images.push_back(
        {img.id, img.references, img.repo_digests, img.created, img.size, users[img.id]});
  s->reply(result);
}

void Engine::load(const CallerPtr& s, const api::LoadRequest& req) {
  const std::string& path = req.path;
  if (!require_absolute(s, path, "load")) return;
  auto* store = images_.get();
  offload_request(
      loop_, s, [store, path] { return store->load_archive(path); },
      [](auto& r) { return api::LoadResult{r.value()}; });
}

void Engine::import(const CallerPtr& s, const api::ImportRequest& req) {
  const std::string &path = req.path, &ref = req.reference;
  if (!require_absolute(s, path, "import")) return;
  auto* store = images_.get();
  offload_request(
      loop_, s, [store, path, ref] { return store->import_rootfs(path, ref); },
      [](auto& r) { return api::IdResult{r.value()}; });
}

void Engine::rmi(const CallerPtr& s, const api::RmiRequest& req) {
  bool force = req.force;
  api::OutcomesResult result;
  auto failed = [&](const std::string& name, std::string error) {
    result.results.push_back(api::Outcome::failure(name, std::move(error)));
  };
  for (auto& name : req.images) {
    auto img = images_->resolve(name);
    if (!img) {
      failed(name, img.error().message);
      continue;
    }
    std::string user;
    for (auto& [id, c] : containers_)
      if (c->config.image_id == img.value().id && !c->removing) user = id;
    if (!user.empty() && !force) {
      failed(name, "conflict: unable to remove repository reference \"" + name +
                       "\" (must force) - container " + user.substr(0, 12) +
                       " is using its referenced image " + img.value().id.substr(7, 12));
      continue;
    }
    // A container's root filesystem stands on the image's layers: -f only untags it then.
    auto r = images_->remove(name, force, !user.empty());
    if (!r) {
      failed(name, r.error().describe());
      continue;
    }
    result.results.push_back(api::Outcome::success(name));
    result.results.back().lines = r.value();
  }
  s->reply(result);
}

void Engine::tag(const CallerPtr& s, const api::TagRequest& req) {
  const std::string &source = req.source, &target = req.target;
  auto* store = images_.get();
  offload_request(
      loop_, s, [store, source, target] { return store->tag(source, target); },
      [](auto& r) { return api::TagResult{r.value()}; });
}

void Engine::save(const CallerPtr& s, const api::SaveRequest& req) {
  const auto& names = req.images;
  const std::string& path = req.path;
  bool in_place = req.in_place;
  if (!require_absolute(s, path, "save")) return;
  auto* store = images_.get();
  offload_request(
      loop_, s, [store, names, path, in_place] { return store->save(names, path, in_place); },
      [](auto&) { return api::Done{}; });
}

void Engine::image_inspect(const CallerPtr& s, const api::ImageInspectRequest& req) {
  auto names = req.images;
  auto* store = images_.get();
  // Reads each image's config document: off the loop.
  loop_.offload(
      [store, names] {
        api::InspectResult result;
        for (const auto& name : names) {
          auto details = store->inspect(name);
          if (details)
            result.items.push_back(image::inspect_json(details.value()));
          else
            result.errors.push_back(details.error().describe());
        }
        return result;
      },
      [s](const api::InspectResult& result) { s->reply(result); });
}

void Engine::image_prune(const CallerPtr& s, const api::ImagePruneRequest& req) {
  // Every container counts, exited or being removed: its root filesystem is the layers.
  std::set<std::string> in_use;
  for (auto& [id, c] : containers_) in_use.insert(c->config.image_id);
  auto r = images_->prune(req.all, in_use);
  if (!r) {
    s->send_error(protocol::kExitEngineError, r.error().describe());
    return;
  }
  s->reply(api::ImagePruneResult{r.value().lines, r.value().reclaimed});
}

}  // namespace asup::engine
