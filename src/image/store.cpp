// The store's state and the operations on it that need no unpacking: open, resolve, list,
// remove, and the background deletion of what remove() leaves behind.
#include "image/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "core/fs.hpp"
#include "image/digest.hpp"
#include "image/reference.hpp"

namespace asup::image {
namespace {

bool all_hex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::string short_id(const std::string& id) {
  return std::string{digest_hex(id).substr(0, 12)};
}

Store::Store(std::string root, UniqueFd lock) : root_(std::move(root)), lock_(std::move(lock)) {}

Store::~Store() {
  {
    std::lock_guard l(trash_mutex_);
    stopping_ = true;
  }
  trash_cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
}

Result<std::unique_ptr<Store>> Store::open(const std::string& root) {
  // Layer paths go into overlay mount options, which the kernel resolves from its own cwd.
  std::string dir = fs::join(fs::absolute(root), "image");
  for (const char* sub : {"blobs/sha256", "layers", "tmp"}) {
    ASUP_TRY(fs::make_dirs(fs::join(dir, sub), 0700));
  }
  // Two stores on one root would each rewrite the index from their own view and lose the
  // other's images, and each would clean the other's staging area.
  std::string lock_path = fs::join(dir, "lock");
  UniqueFd lock{::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)};
  if (!lock) return fail_errno("open " + lock_path);
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return fail("open image store " + dir + ": in use by another process");
    return fail_errno("lock " + lock_path);
  }
  std::unique_ptr<Store> store{new Store(dir, std::move(lock))};
  if (auto r = store->load_index(); !r) return fail(r.error());
  // Staging and trash of a previous run: nothing there belongs to anyone any more.
  std::string tmp = fs::join(dir, "tmp");
  ASUP_TRY(auto leftovers, fs::list_dir(tmp));
  for (const auto& name : leftovers) store->queue_for_deletion(fs::join(tmp, name));
  return store;
}

std::string Store::layer_dir(const std::string& diff_id) const {
  return fs::join(fs::join(root_, "layers"), digest_hex(diff_id));
}

std::string Store::blob_path(const std::string& digest) const {
  return fs::join(fs::join(root_, "blobs/sha256"), digest_hex(digest));
}

Result<std::string> Store::make_staging_dir(const char* purpose) const {
  std::string templ = fs::join(fs::join(root_, "tmp"), std::string{purpose} + "-XXXXXX");
  if (!::mkdtemp(templ.data())) return fail_errno("mkdtemp " + templ);
  return templ;
}

Result<Image> Store::resolve_locked(const std::string& name) const {
  auto not_found = [&] { return fail("No such image: " + name); };
  std::string_view text = name;
  bool id_form = text.substr(0, 7) == "sha256:";
  if (id_form) text.remove_prefix(7);

  if (!id_form) {
    if (auto ref = parse_reference(name)) {
      if (!ref.value().digest.empty()) {
        // Pinned by manifest digest: the image the registry knows by it, else one with that
        // manifest, preferably of that repository.
        const Image* any = nullptr;
        std::string repo = ref.value().registry + "/" + ref.value().repository;
        std::string repo_digest = repo + "@" + ref.value().digest;
        for (const auto& [id, image] : images_)
          for (const auto& d : image.repo_digests)
            if (d == repo_digest) return image;
        for (const auto& [id, image] : images_) {
          if (image.manifest_digest != ref.value().digest) continue;
          for (const auto& r : image.references)
            if (repository_of(r) == repo) return image;
          if (!any) any = &image;
        }
        if (any) return *any;
      } else if (auto it = refs_.find(ref.value().full()); it != refs_.end()) {
        if (auto image = images_.find(it->second); image != images_.end()) return image->second;
      }
    }
  }

  // An id, or a unique prefix of one.
  if (!all_hex(text) || text.size() > 64) return not_found();
  const Image* found = nullptr;
  for (auto it = images_.lower_bound("sha256:" + std::string{text}); it != images_.end(); ++it) {
    if (digest_hex(it->first).substr(0, text.size()) != text) break;
    if (found) return fail("multiple images found with provided prefix: " + name);
    found = &it->second;
  }
  if (!found) return not_found();
  return *found;
}

std::string Store::reference_named(const std::string& name, const std::string& id) const {
  if (name.compare(0, 7, "sha256:") == 0) return {};
  auto ref = parse_reference(name);
  if (!ref || !ref.value().digest.empty()) return {};
  auto it = refs_.find(ref.value().full());
  return it != refs_.end() && it->second == id ? it->first : std::string{};
}

Result<Image> Store::resolve(const std::string& name) const {
  std::lock_guard l(mutex_);
  return resolve_locked(name);
}

Result<ImageDetails> Store::inspect(const std::string& name) const {
  std::lock_guard l(mutex_);
  ASUP_TRY(Image image, resolve_locked(name));
  // A few kilobytes, read under the lock so that a concurrent rmi cannot take it away.
  ASUP_TRY(std::string config, fs::read_file(blob_path(image.id)));
  return ImageDetails{std::move(image), std::move(config)};
}

std::vector<Image> Store::list() const {
  std::vector<Image> out;
  {
    std::lock_guard l(mutex_);
    out.reserve(images_.size());
    for (const auto& [id, image] : images_) out.push_back(image);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Image& a, const Image& b) { return a.created > b.created; });
  return out;
}

std::vector<std::string> Store::layer_dirs(const Image& image) const {
  // A layer repeated in one image (empty layers often are) is a single directory, and
  // overlayfs refuses the same lowerdir twice. Keeping the top-most copy is exact: it
  // already provides everything the lower copy would.
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (auto it = image.diff_ids.rbegin(); it != image.diff_ids.rend(); ++it)
    if (seen.insert(*it).second) out.push_back(layer_dir(*it));
  return out;
}

std::int64_t Store::layer_size(const std::string& diff_id) const {
  std::lock_guard l(mutex_);
  auto it = layer_sizes_.find(diff_id);
  return it == layer_sizes_.end() ? 0 : it->second;
}

bool Store::has_layer(const std::string& diff_id, const std::string& blob_digest) const {
  std::lock_guard l(mutex_);
  return layer_sizes_.count(diff_id) && fs::exists(layer_dir(diff_id)) &&
         fs::exists(blob_path(blob_digest));
}

Result<std::vector<std::string>> Store::remove(const std::string& name) {
  return remove(name, false);
}

Result<std::vector<std::string>> Store::remove(const std::string& name, bool force,
                                               bool keep_image) {
  std::lock_guard l(mutex_);
  ASUP_TRY(Image image, resolve_locked(name));

  // Like Docker: a name that is one of the image's references only untags; an id deletes.
  std::string by_reference = reference_named(name, image.id);

  std::set<std::string> repositories;
  for (const auto& r : image.references) repositories.insert(repository_of(r));
  if (by_reference.empty() && repositories.size() > 1 && !force)
    return fail("conflict: unable to delete " + short_id(image.id) +
                " (must be forced) - image is referenced in multiple repositories");

  auto before = snapshot();
  std::vector<std::string> lines;
  Image& stored = images_.at(image.id);
  std::vector<std::string> untag =
      by_reference.empty() ? stored.references : std::vector<std::string>{by_reference};
  for (const auto& r : untag) {
    refs_.erase(r);
    stored.references.erase(std::remove(stored.references.begin(), stored.references.end(), r),
                            stored.references.end());
    lines.push_back("Untagged: " + familiar_form(r));
  }

  Unused unused;
  if (stored.references.empty() && !keep_image) unused = delete_image(image.id, lines);
  if (auto r = commit(before); !r) return fail(r.error().wrap("remove " + name));
  discard_unused(unused.blobs, unused.layers);
  return lines;
}

Result<std::string> Store::tag(const std::string& source, const std::string& target) {
  ASUP_TRY(auto ref, parse_reference(target));
  if (!ref.digest.empty())
    return fail("refusing to create a tag with a digest reference: " + target);
  std::string full = ref.full();
  std::lock_guard l(mutex_);
  ASUP_TRY(Image image, resolve_locked(source));
  auto old = refs_.find(full);
  if (old != refs_.end() && old->second == image.id) return full;
  auto before = snapshot();
  // Docker moves the tag: the image it leaves keeps existing, untagged if it was its last.
  if (old != refs_.end()) {
    auto& refs = images_.at(old->second).references;
    refs.erase(std::remove(refs.begin(), refs.end(), full), refs.end());
  }
  refs_[full] = image.id;
  images_.at(image.id).references.push_back(full);
  if (auto r = commit(before); !r) return fail(r.error().wrap("tag " + target));
  return full;
}

Store::Snapshot Store::snapshot() const {
  return Snapshot{images_, refs_, blobs_, layer_sizes_};
}

void Store::restore(Snapshot before) {
  images_ = std::move(before.images);
  refs_ = std::move(before.refs);
  blobs_ = std::move(before.blobs);
  layer_sizes_ = std::move(before.layer_sizes);
}

Status Store::commit(Snapshot& before) {
  auto r = save_index();
  if (!r) restore(std::move(before));
  return r;
}

Store::Unused Store::delete_image(const std::string& id, std::vector<std::string>& lines) {
  Image image = std::move(images_.at(id));
  for (const auto& r : image.references) {
    refs_.erase(r);
    lines.push_back("Untagged: " + familiar_form(r));
  }
  for (const auto& d : image.repo_digests) lines.push_back("Untagged: " + familiar_form(d));
  std::vector<std::string> blobs = std::move(blobs_[id]);
  images_.erase(id);
  blobs_.erase(id);
  lines.push_back("Deleted: " + id);

  std::set<std::string> used_blobs;
  std::set<std::string> used_layers;
  for (const auto& [other_id, b] : blobs_) used_blobs.insert(b.begin(), b.end());
  for (const auto& [other_id, other] : images_)
    used_layers.insert(other.diff_ids.begin(), other.diff_ids.end());
  Unused unused;
  for (const auto& b : blobs)
    if (!used_blobs.count(b)) unused.blobs.push_back(b);
  std::set<std::string> seen;
  for (const auto& d : image.diff_ids) {
    if (used_layers.count(d) || !seen.insert(d).second) continue;
    unused.layers.push_back(d);
    if (auto size = layer_sizes_.find(d); size != layer_sizes_.end()) {
      unused.layer_bytes += size->second;
      layer_sizes_.erase(size);
    }
    lines.push_back("Deleted: " + d);
  }
  return unused;
}

void Store::discard_unused(const std::vector<std::string>& blobs,
                           const std::vector<std::string>& layers) {
  if (blobs.empty() && layers.empty()) return;
  // Renaming is instant and takes the files out of sight at once; deleting a layer's tree
  // is slow and happens on the reaper, outside the lock.
  auto trash = make_staging_dir("trash");
  size_t n = 0;
  auto discard = [&](const std::string& path) {
    if (trash && ::rename(path.c_str(), fs::join(trash.value(), std::to_string(n++)).c_str()) == 0)
      return;
    if (errno == ENOENT) return;
    // Could not move it aside: delete in place, still outside the reader's view of the index.
    (void)fs::remove_tree(path);
  };
  for (const auto& b : blobs) discard(blob_path(b));
  for (const auto& d : layers) discard(layer_dir(d));
  if (trash) queue_for_deletion(trash.value());
}

void Store::queue_for_deletion(std::string path) {
  std::lock_guard l(trash_mutex_);
  if (!reaper_.joinable()) {
    try {
      reaper_ = std::thread([this] { reap(); });
    } catch (const std::system_error&) {
      (void)fs::remove_tree(path);  // no thread to spare: delete now
      return;
    }
  }
  trash_.push_back(std::move(path));
  trash_cv_.notify_all();
}

void Store::reap() {
  std::unique_lock l(trash_mutex_);
  for (;;) {
    trash_cv_.wait(l, [&] { return stopping_ || !trash_.empty(); });
    if (trash_.empty()) return;
    std::vector<std::string> batch;
    batch.swap(trash_);
    reaping_ = true;
    l.unlock();
    // A failure leaves the entry in tmp/, which the next open() clears.
    for (const auto& path : batch) (void)fs::remove_tree(path);
    l.lock();
    reaping_ = false;
    trash_cv_.notify_all();
  }
}

void Store::wait_for_cleanup() {
  std::unique_lock l(trash_mutex_);
  trash_cv_.wait(l, [&] { return trash_.empty() && !reaping_; });
}

}  // namespace asup::image
