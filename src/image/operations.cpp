#include "image/operations.hpp"

#include "image/image_inspect.hpp"

namespace asup::image {

api::ImagesResult list_images(const Store& store, const std::map<std::string, int>& users) {
  api::ImagesResult result;
  for (auto& img : store.list()) {
    auto used = users.find(img.id);
    result.images.push_back({img.id, img.references, img.repo_digests, img.created, img.size,
                             used == users.end() ? 0 : used->second});
  }
  return result;
}

api::OutcomesResult remove_images(Store& store, const api::RmiRequest& request,
                                  const ContainerUsingImage& user_of) {
  api::OutcomesResult result;
  for (auto& name : request.images) {
    auto img = store.resolve(name);
    if (!img) {
      result.results.push_back(api::Outcome::failure(name, img.error().message));
      continue;
    }
    auto user = user_of(img.value().id);
    // A tag among others only untags, in use or not, as Docker's rmi does; the last one, or
    // the id, would take the image from its container.
    const std::string& id = img.value().id;
    const bool by_id = name == id || (name.size() >= 3 && id.compare(7, name.size(), name) == 0);
    const bool untag_only = !by_id && img.value().references.size() > 1;
    if (user && !request.force && !untag_only) {
      result.results.push_back(api::Outcome::failure(
          name, "conflict: unable to remove repository reference \"" + name +
                    "\" (must force) - container " + user->substr(0, 12) +
                    " is using its referenced image " + img.value().id.substr(7, 12)));
      continue;
    }
    auto removed = store.remove(name, request.force, user.has_value());
    if (!removed) {
      result.results.push_back(api::Outcome::failure(name, removed.error().describe()));
      continue;
    }
    result.results.push_back(api::Outcome::success(name));
    result.results.back().lines = removed.value();
  }
  return result;
}

api::InspectResult inspect_images(const Store& store, const std::vector<std::string>& names) {
  api::InspectResult result;
  for (const auto& name : names) {
    auto details = store.inspect(name);
    if (details)
      result.items.push_back(inspect_json(details.value()));
    else
      result.errors.push_back(details.error().describe());
  }
  return result;
}

Result<api::ImagePruneResult> prune_images(Store& store, bool all,
                                           const std::set<std::string>& in_use) {
  ASUP_TRY(auto pruned, store.prune(all, in_use));
  return api::ImagePruneResult{pruned.lines, pruned.reclaimed};
}

}  // namespace asup::image
