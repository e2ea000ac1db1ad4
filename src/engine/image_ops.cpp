// Requests about images: images, load, import, rmi, tag, save, image inspect, image prune,
// as engine operations over image/operations.hpp and the store. What reads archives, writes
// files or unpacks runs on the worker pool. rmi and prune stay on the loop: whether a
// container uses an image and the removal must be one step, or a `run` handled in between
// could start on layers that are being deleted.
#include <set>

#include "asup/protocol.hpp"
#include "engine/engine.hpp"
#include "image/operations.hpp"

namespace asup::engine {
namespace {

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
  s->reply(image::list_images(*images_, users));
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
  s->reply(image::remove_images(*images_, req, [this](const std::string& image_id) {
    std::optional<std::string> user;
    for (auto& [id, c] : containers_)
      if (c->config.image_id == image_id && !c->removing) user = id;
    return user;
  }));
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
  auto* store = images_.get();
  // Reads each image's config document: off the loop.
  loop_.offload([store, names = req.images] { return image::inspect_images(*store, names); },
                [s](const api::InspectResult& result) { s->reply(result); });
}

void Engine::image_prune(const CallerPtr& s, const api::ImagePruneRequest& req) {
  // Every container counts, exited or being removed: its root filesystem is the layers.
  std::set<std::string> in_use;
  for (auto& [id, c] : containers_) in_use.insert(c->config.image_id);
  auto r = image::prune_images(*images_, req.all, in_use);
  if (!r) return s->send_error(protocol::kExitEngineError, r.error().describe());
  s->reply(r.value());
}

}  // namespace asup::engine
