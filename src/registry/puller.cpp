#include "registry/puller.hpp"

#include <set>

#include "api/replies.hpp"
#include "core/fs.hpp"
#include "image/digest.hpp"
#include "image/load_plan.hpp"
#include "image/reference.hpp"

namespace asup::registry {
namespace {

constexpr std::size_t kConfigLimit = 16 << 20;
constexpr int kMaxIndexDepth = 4;

std::string short_digest(const std::string& digest) {
  return std::string(image::digest_hex(digest).substr(0, 12));
}

bool platform_matches(const image::Platform& have, const image::Platform& want) {
  if (have.os != want.os || have.architecture != want.architecture) return false;
  if (want.variant.empty()) return true;
  // arm64 images often leave out their only variant.
  std::string variant = have.variant;
  if (variant.empty() && have.architecture == "arm64") variant = "v8";
  return variant == want.variant;
}

std::string platform_text(const image::Platform& p) {
  return p.os + "/" + p.architecture + (p.variant.empty() ? "" : "/" + p.variant);
}

class Pull : public std::enable_shared_from_this<Pull> {
 public:
  Pull(PullContext context, image::Reference ref, image::Platform platform, bool platform_given,
       PullObserver observer, PullDone done)
      : ctx_(context),
        ref_(std::move(ref)),
        repo_{ref_.registry, ref_.repository},
        platform_(std::move(platform)),
        platform_given_(platform_given),
        observer_(std::move(observer)),
        done_(std::move(done)) {}

  void start() {
    std::string tag = ref_.digest.empty() ? ref_.tag : ref_.digest;
    status((ref_.digest.empty() ? ref_.tag : ref_.digest) + ": Pulling from " + ref_.repository);
    fetch_manifest(tag, 0);
  }

 private:
  void status(const std::string& text) { observer_(api::reply_line(api::StatusLine{text})); }

  void finish(Result<PullResult> r) {
    if (finished_) return;
    finished_ = true;
    layers_.clear();
    if (!staging_.empty()) {
      ctx_.loop.offload([dir = staging_] { return fs::remove_tree(dir); }, [](Status) {});
      staging_.clear();
    }
    auto done = std::move(done_);
    done(std::move(r));
  }

  void fetch_manifest(const std::string& reference, int depth) {
    auto self = shared_from_this();
    ctx_.client.fetch_manifest(repo_, reference, [self, depth](Result<Document> r) {
      if (!r) return self->finish(fail(r.error()));
      self->on_manifest(std::move(r.value()), depth);
    });
  }

  void on_manifest(Document doc, int depth) {
    if (top_digest_.empty()) top_digest_ = doc.digest;
    std::string type = doc.media_type;
    if (!image::is_index_type(type) && !image::is_manifest_type(type)) {
      // Some registries answer with a generic type; the document says what it is.
      auto inferred = image::document_media_type(doc.body);
      if (!inferred) return finish(fail(inferred.error()));
      type = inferred.value();
    }
    if (image::is_index_type(type)) {
      if (depth == kMaxIndexDepth)
        return finish(fail("index " + doc.digest + ": nested too deeply"));
      auto entries = image::parse_index(doc.body);
      if (!entries) return finish(fail(entries.error().wrap("index " + doc.digest)));
      for (auto& e : entries.value()) {
        // Attestation manifests carry unknown/unknown and never match.
        if (!e.platform || !platform_matches(*e.platform, platform_)) continue;
        return fetch_manifest(e.digest, depth + 1);
      }
      return finish(fail("no matching manifest for " + platform_text(platform_) +
                         " in the manifest list entries of " + ref_.familiar()));
    }
    if (!image::is_manifest_type(type))
      return finish(fail("manifest " + doc.digest + ": unsupported media type \"" + type + "\""));
    auto manifest = image::parse_manifest(doc.body);
    if (!manifest) return finish(fail(manifest.error().wrap("manifest " + doc.digest)));
    manifest_ = std::move(manifest.value());
    manifest_digest_ = doc.digest;
    manifest_text_ = std::move(doc.body);
    auto self = shared_from_this();
    ctx_.client.fetch_blob(repo_, manifest_.config.digest, kConfigLimit,
                           [self](Result<std::string> r) {
                             if (!r) return self->finish(fail(r.error()));
                             self->on_config(std::move(r.value()));
                           });
  }

  void on_config(std::string text) {
    auto config = image::parse_config(text);
    if (!config) return finish(fail(config.error().wrap("config " + manifest_.config.digest)));
    config_ = std::move(config.value());
    config_text_ = std::move(text);
    if (config_.diff_ids.size() != manifest_.layers.size())
      return finish(fail("manifest " + manifest_digest_ + " lists " +
                         std::to_string(manifest_.layers.size()) + " layers, its config " +
                         std::to_string(config_.diff_ids.size()) + " diff ids"));
    if (platform_given_ && !config_.os.empty() &&
        !platform_matches({config_.os, config_.architecture, ""},
                          {platform_.os, platform_.architecture, ""}))
      return finish(fail("image with reference " + ref_.familiar() +
                         " was found but does not match the specified platform: wanted " +
                         platform_text(platform_) + ", actual: " + config_.os + "/" +
                         config_.architecture));

    auto staging = ctx_.store.make_staging_dir("pull");
    if (!staging) return finish(fail(staging.error()));
    staging_ = staging.value();
    pending_.id = manifest_.config.digest;
    pending_.manifest_digest = manifest_digest_;
    pending_.manifest_file = fs::join(staging_, "manifest.json");
    pending_.config_file = fs::join(staging_, "config.json");
    if (auto w = fs::write_file(pending_.manifest_file, manifest_text_); !w)
      return finish(fail(w.error()));
    if (auto w = fs::write_file(pending_.config_file, config_text_); !w)
      return finish(fail(w.error()));
    pending_.config = config_;
    // Docker's "Image is up to date": the reference already names this very image.
    if (auto existing = ctx_.store.resolve(ref_.full());
        existing && existing.value().id == pending_.id)
      up_to_date_ = true;
    if (ref_.digest.empty()) pending_.references.push_back(ref_.full());
    // What the registry calls this image: the digest the reference resolved to (an
    // index's, when it named one), as Docker records it.
    pending_.repo_digests.push_back(ref_.registry + "/" + ref_.repository + "@" + top_digest_);
    pending_.layers.resize(manifest_.layers.size());
    layers_.resize(manifest_.layers.size());

    std::set<std::string> started;
    for (size_t i = 0; i < manifest_.layers.size(); ++i) {
      const auto& layer = manifest_.layers[i];
      auto& p = pending_.layers[i];
      p.diff_id = config_.diff_ids[i];
      p.blob_digest = layer.digest;
      if (ctx_.store.has_layer(p.diff_id, p.blob_digest)) {
        progress(layer.digest, {"Already exists", 0, 0});
        continue;
      }
      // The same blob twice in one image is fetched once.
      if (!started.insert(layer.digest).second) continue;
      ++outstanding_;
      auto self = shared_from_this();
      ctx_.fetcher.fetch(
          repo_, layer, p.diff_id,
          [self, digest = layer.digest](const LayerProgress& lp) { self->progress(digest, lp); },
          [self, i](Result<std::shared_ptr<FetchedLayer>> r) { self->on_layer(i, std::move(r)); });
    }
    if (outstanding_ == 0) install();
  }

  void progress(const std::string& digest, const LayerProgress& p) {
    if (finished_) return;
    observer_(api::reply_line(api::Progress{short_digest(digest), p.status, p.current, p.total}));
  }

  void on_layer(size_t index, Result<std::shared_ptr<FetchedLayer>> r) {
    --outstanding_;
    if (finished_) return;
    if (!r) return finish(fail(r.error()));
    layers_[index] = r.value();
    if (outstanding_ == 0) install();
  }

  void install() {
    for (size_t i = 0; i < pending_.layers.size(); ++i) {
      auto& p = pending_.layers[i];
      // A layer repeated in the image points at the one download.
      std::shared_ptr<FetchedLayer> fetched = layers_[i];
      for (size_t j = 0; !fetched && j < i; ++j)
        if (pending_.layers[j].blob_digest == p.blob_digest) fetched = layers_[j];
      if (!fetched) continue;
      p.blob_file = fetched->blob_file;
      if (!layers_[i]) continue;  // the first occurrence installs it
      p.unpacked_dir = fetched->unpacked_dir;
      p.unpacked_bytes = fetched->bytes;
    }
    auto self = shared_from_this();
    auto* store = &ctx_.store;
    std::vector<image::PendingImage> images{pending_};
    ctx_.loop.offload(
        [store, images, staging = staging_]() mutable {
          return store->install_pending(images, staging);
        },
        [self](Result<std::vector<std::string>> r) {
          if (!r) return self->finish(fail(r.error()));
          PullResult result{self->ref_.full(), self->top_digest_, self->pending_.id,
                            !self->up_to_date_};
          self->status("Digest: " + self->top_digest_);
          self->finish(std::move(result));
        });
  }

  PullContext ctx_;
  image::Reference ref_;
  Repository repo_;
  image::Platform platform_;
  bool platform_given_;
  PullObserver observer_;
  PullDone done_;
  bool finished_ = false;
  bool up_to_date_ = false;
  std::string top_digest_;
  std::string manifest_digest_;
  std::string manifest_text_;
  std::string config_text_;
  image::Manifest manifest_;
  image::Config config_;
  std::string staging_;
  image::PendingImage pending_;
  std::vector<std::shared_ptr<FetchedLayer>> layers_;
  int outstanding_ = 0;
};

}  // namespace

image::Platform host_platform() {
  return image::Platform{"linux", std::string(image::host_architecture()), ""};
}

Result<image::Platform> parse_platform(std::string_view text) {
  image::Platform p;
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    auto slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  auto bad = [&] {
    return fail("invalid platform \"" + std::string(text) + "\": expected os/arch[/variant]");
  };
  if (parts.size() < 2 || parts.size() > 3) return bad();
  for (auto& part : parts)
    if (part.empty()) return bad();
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

void pull(PullContext context, const std::string& reference,
          std::optional<image::Platform> platform, PullObserver observer, PullDone done) {
  auto ref = image::parse_reference(reference);
  if (!ref) {
    done(fail(ref.error()));
    return;
  }
  bool given = platform.has_value();
  auto p =
      std::make_shared<Pull>(context, std::move(ref.value()), given ? *platform : host_platform(),
                             given, std::move(observer), std::move(done));
  p->start();
}

}  // namespace asup::registry
