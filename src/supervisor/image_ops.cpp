// Requests about images: images, load, import, rmi, tag, save, image inspect, image prune.
// What reads archives, writes files or unpacks runs on the worker pool. rmi and prune stay
// on the loop: whether a container uses an image and the removal must be one step, or a
// `run` handled in between could start on layers that are being deleted.
#include <set>

#include "asup/protocol.hpp"
#include "image/image_inspect.hpp"
#include "supervisor/supervisor.hpp"

namespace asup::supervisor {
namespace {

using nlohmann::json;

// Runs `work` (returning a Result) on the worker pool; the client then gets a result
// holding what `reply(value)` makes of it, or the error.
template <class Work, class Reply>
void offload_request(loop::EventLoop& loop, const SessionPtr& s, Work work, Reply reply) {
  loop.offload(std::move(work), [s, reply = std::move(reply)](auto r) {
    if (!r) {
      s->send_error(protocol::kExitEngineError, r.error().describe());
      return;
    }
    json message = reply(r);
    message["type"] = "result";
    s->send(message);
  });
}

// asupd resolves paths itself, from wherever it was started: a client must be exact.
bool require_absolute(const SessionPtr& s, const std::string& path, const char* op) {
  if (!path.empty() && path[0] == '/') return true;
  s->send_error(protocol::kExitEngineError,
                std::string{op} + ": an absolute archive path is required");
  return false;
}

}  // namespace

void Supervisor::op_images(const SessionPtr& s, const json&) {
  std::map<std::string, int> users;  // image id -> containers using it
  for (auto& [id, c] : containers_)
    if (!c->removing) ++users[c->config.image_id];
  json out = json::array();
  for (auto& img : images_->list()) {
    out.push_back({{"id", img.id},
                   {"references", img.references},
                   {"repo_digests", img.repo_digests},
                   {"created", img.created},
                   {"size", img.size},
                   {"containers", users[img.id]}});
  }
  s->send({{"type", "result"}, {"images", out}});
}

void Supervisor::op_load(const SessionPtr& s, const json& req) {
  std::string path = req.value("path", "");
  if (!require_absolute(s, path, "load")) return;
  auto* store = images_.get();
  offload_request(
      loop_, s, [store, path] { return store->load_archive(path); },
      [](auto& r) {
        return json{{"loaded", r.value()}};
      });
}

void Supervisor::op_import(const SessionPtr& s, const json& req) {
  std::string path = req.value("path", ""), ref = req.value("reference", "");
  if (!require_absolute(s, path, "import")) return;
  auto* store = images_.get();
  offload_request(
      loop_, s, [store, path, ref] { return store->import_rootfs(path, ref); },
      [](auto& r) {
        return json{{"id", r.value()}};
      });
}

void Supervisor::op_rmi(const SessionPtr& s, const json& req) {
  bool force = req.value("force", false);
  json results = json::array();
  for (auto& name : req.value("images", std::vector<std::string>{})) {
    auto img = images_->resolve(name);
    if (!img) {
      results.push_back({{"name", name}, {"error", img.error().message}});
      continue;
    }
    std::string user;
    for (auto& [id, c] : containers_)
      if (c->config.image_id == img.value().id && !c->removing) user = id;
    if (!user.empty() && !force) {
      results.push_back(
          {{"name", name},
           {"error", "conflict: unable to remove repository reference \"" + name +
                         "\" (must force) - container " + user.substr(0, 12) +
                         " is using its referenced image " + img.value().id.substr(7, 12)}});
      continue;
    }
    // A container's root filesystem stands on the image's layers: -f only untags it then.
    auto r = images_->remove(name, force, !user.empty());
    if (!r)
      results.push_back({{"name", name}, {"error", r.error().describe()}});
    else
      results.push_back({{"name", name}, {"lines", r.value()}});
  }
  s->send({{"type", "result"}, {"results", results}});
}

void Supervisor::op_tag(const SessionPtr& s, const json& req) {
  std::string source = req.value("source", ""), target = req.value("target", "");
  auto* store = images_.get();
  offload_request(
      loop_, s, [store, source, target] { return store->tag(source, target); },
      [](auto& r) {
        return json{{"reference", r.value()}};
      });
}

void Supervisor::op_save(const SessionPtr& s, const json& req) {
  auto names = req.value("images", std::vector<std::string>{});
  std::string path = req.value("path", "");
  bool in_place = req.value("in_place", false);
  if (!require_absolute(s, path, "save")) return;
  auto* store = images_.get();
  offload_request(
      loop_, s, [store, names, path, in_place] { return store->save(names, path, in_place); },
      [](auto&) { return json::object(); });
}

void Supervisor::op_image_inspect(const SessionPtr& s, const json& req) {
  auto names = req.value("images", std::vector<std::string>{});
  auto* store = images_.get();
  // Reads each image's config document: off the loop.
  loop_.offload(
      [store, names] {
        json items = json::array();
        json errors = json::array();
        for (const auto& name : names) {
          auto details = store->inspect(name);
          if (details)
            items.push_back(image::inspect_json(details.value()));
          else
            errors.push_back(details.error().describe());
        }
        return json{{"type", "result"}, {"items", items}, {"errors", errors}};
      },
      [s](json reply) { s->send(reply); });
}

void Supervisor::op_image_prune(const SessionPtr& s, const json& req) {
  // Every container counts, exited or being removed: its root filesystem is the layers.
  std::set<std::string> in_use;
  for (auto& [id, c] : containers_) in_use.insert(c->config.image_id);
  auto r = images_->prune(req.value("all", false), in_use);
  if (!r) {
    s->send_error(protocol::kExitEngineError, r.error().describe());
    return;
  }
  s->send({{"type", "result"}, {"lines", r.value().lines}, {"reclaimed", r.value().reclaimed}});
}

}  // namespace asup::supervisor
