// `image prune`: the images nobody needs, and whatever the store holds that no image uses
// (layers and blobs an interrupted load or a crash left behind).
#include <sys/stat.h>

#include <set>

#include "core/fs.hpp"
#include "core/tree_size.hpp"
#include "image/digest.hpp"
#include "image/store.hpp"

namespace asup::image {

Result<PruneReport> Store::prune(bool all, const std::set<std::string>& in_use) {
  std::lock_guard l(mutex_);
  auto before = snapshot();
  PruneReport report;

  // Docker's dangling images are the untagged ones; repo digests are no tags.
  std::vector<std::string> doomed;
  for (const auto& [id, image] : images_)
    if (!in_use.count(id) && (all || image.references.empty())) doomed.push_back(id);
  std::vector<std::string> blobs;
  std::vector<std::string> layers;
  for (const auto& id : doomed) {
    Unused unused = delete_image(id, report.lines);
    blobs.insert(blobs.end(), unused.blobs.begin(), unused.blobs.end());
    layers.insert(layers.end(), unused.layers.begin(), unused.layers.end());
    report.reclaimed += unused.layer_bytes;
  }

  // Leftovers: on disk, but no image in the index uses them. A load running now places
  // its layers before it records them; one it loses here it unpacks again (install()
  // checks under the lock that every layer is still there).
  std::set<std::string> used_blobs;
  std::set<std::string> used_layers;
  for (const auto& [id, b] : blobs_) used_blobs.insert(b.begin(), b.end());
  for (const auto& [id, image] : images_)
    used_layers.insert(image.diff_ids.begin(), image.diff_ids.end());
  std::set<std::string> gone_layers(layers.begin(), layers.end());
  ASUP_TRY(auto layer_names, fs::list_dir(fs::join(root_, "layers")));
  for (const auto& name : layer_names) {
    std::string diff_id = "sha256:" + name;
    if (used_layers.count(diff_id) || gone_layers.count(diff_id)) continue;
    auto known = layer_sizes_.find(diff_id);
    if (known != layer_sizes_.end())
      report.reclaimed += known->second;
    else if (auto size = fs::tree_size(layer_dir(diff_id)))
      report.reclaimed += size.value();
    layers.push_back(diff_id);
  }
  // Sizes recorded for layers no image has any more.
  bool stale_sizes = false;
  for (auto it = layer_sizes_.begin(); it != layer_sizes_.end();) {
    if (used_layers.count(it->first)) {
      ++it;
      continue;
    }
    it = layer_sizes_.erase(it);
    stale_sizes = true;
  }
  std::set<std::string> gone_blobs(blobs.begin(), blobs.end());
  ASUP_TRY(auto blob_names, fs::list_dir(fs::join(root_, "blobs/sha256")));
  for (const auto& name : blob_names) {
    std::string digest = "sha256:" + name;
    if (!used_blobs.count(digest) && !gone_blobs.count(digest)) blobs.push_back(digest);
  }
  for (const auto& digest : blobs) {
    struct stat st;
    if (::lstat(blob_path(digest).c_str(), &st) == 0) report.reclaimed += st.st_size;
  }

  if (!doomed.empty() || stale_sizes)
    if (auto r = commit(before); !r) return fail(r.error().wrap("prune images"));
  discard_unused(blobs, layers);
  return report;
}

}  // namespace asup::image
