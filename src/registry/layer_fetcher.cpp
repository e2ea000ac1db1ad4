#include "registry/layer_fetcher.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <boost/asio/post.hpp>
#include <chrono>

#include "asup/unique_fd.hpp"
#include "core/fs.hpp"
#include "image/digest.hpp"

namespace asup::registry {
namespace {

// Bytes a download may run ahead of its extraction before it pauses.
constexpr std::size_t kQueueBytes = 16 << 20;
constexpr auto kProgressInterval = std::chrono::milliseconds(100);

bool supported_layer_type(const std::string& type) {
  using namespace image::media_type;
  return type == kOciLayer || type == kOciLayerGzip || type == kOciLayerZstd ||
         type == "application/vnd.docker.image.rootfs.diff.tar.gzip" ||
         type == "application/vnd.docker.image.rootfs.diff.tar";
}

}  // namespace

FetchedLayer::~FetchedLayer() {
  if (staging.empty()) return;
  // Usually empty by now (install moved the layer away); after a failure it may hold a
  // large tree, which is no work for the loop.
  loop->offload([dir = staging] { return fs::remove_tree(dir); }, [](Status) {});
}

struct LayerFetcher::Fetch {
  Repository repo;
  image::Descriptor layer;
  std::string diff_id;
  std::vector<Observer> observers;
  std::vector<Done> waiters;
  LayerProgress progress;
  std::chrono::steady_clock::time_point last_report{};
  std::shared_ptr<FetchedLayer> result;
  std::shared_ptr<image::ChunkQueue> queue;
  std::shared_ptr<BlobDownload> download;
  std::thread extractor;
  std::string download_error;
  bool download_done = false;
  bool settled = false;
};

LayerFetcher::LayerFetcher(loop::EventLoop& loop, RegistryClient& client, image::Store& store,
                           std::size_t max_parallel)
    : loop_(loop), client_(client), store_(store), max_parallel_(max_parallel) {}

LayerFetcher::~LayerFetcher() {
  for (auto& [digest, fetch] : by_digest_) {
    if (fetch->download) fetch->download->cancel("asupd is stopping");
    if (fetch->queue) fetch->queue->finish("asupd is stopping");
    if (fetch->extractor.joinable()) fetch->extractor.join();
  }
}

void LayerFetcher::fetch(const Repository& repo, const image::Descriptor& layer,
                         const std::string& diff_id, Observer observer, Done done) {
  if (!supported_layer_type(layer.media_type)) {
    boost::asio::post(loop_.io(), [done, layer] {
      done(fail("layer " + layer.digest + " has an unsupported media type \"" + layer.media_type +
                "\""));
    });
    return;
  }
  auto& fetch = by_digest_[layer.digest];
  if (fetch) {
    // Joins the running download; this pull sees its progress from now on.
    fetch->observers.push_back(std::move(observer));
    fetch->waiters.push_back(std::move(done));
    report(*fetch, true);
    return;
  }
  fetch = std::make_shared<Fetch>();
  fetch->repo = repo;
  fetch->layer = layer;
  fetch->diff_id = diff_id;
  fetch->observers.push_back(std::move(observer));
  fetch->waiters.push_back(std::move(done));
  fetch->progress = LayerProgress{"Waiting", 0, layer.size};
  report(*fetch, true);
  if (running_ < max_parallel_) {
    begin(fetch);
  } else {
    waiting_.push_back(fetch);
  }
}

void LayerFetcher::begin(const std::shared_ptr<Fetch>& fetch) {
  ++running_;
  std::string what = "layer " + fetch->layer.digest;
  auto staging = store_.make_staging_dir("pull");
  if (!staging) return settle(fetch, fail(staging.error().wrap(what)));
  auto fetched = std::make_shared<FetchedLayer>(loop_, staging.value());
  fetched->blob_file = fs::join(staging.value(), "blob");
  fetched->unpacked_dir = fs::join(staging.value(), "layer");
  UniqueFd blob{::open(fetched->blob_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (!blob) return settle(fetch, fail_errno(what + ": create " + fetched->blob_file));
  if (::mkdir(fetched->unpacked_dir.c_str(), 0700) != 0)
    return settle(fetch, fail_errno(what + ": mkdir " + fetched->unpacked_dir));
  fetch->result = fetched;
  fetch->queue = std::make_shared<image::ChunkQueue>(kQueueBytes);
  fetch->progress.status = "Downloading";
  report(*fetch, true);

  // The extractor owns the blob fd and the queue's consumer side; it reports back on the
  // loop. It is joined there, or by the destructor when asupd stops first.
  auto& io = loop_.io();
  fetch->extractor = std::thread([this, fetch, &io, blob = std::move(blob), what]() mutable {
    auto r = image::unpack_stream(*fetch->queue, blob.get(), fetch->result->unpacked_dir, what);
    blob.reset();
    boost::asio::post(
        io, [this, fetch, r = std::move(r)]() mutable { extracted(fetch, std::move(r)); });
  });

  std::weak_ptr<Fetch> weak = fetch;
  fetch->queue->set_on_drained([&io, weak] {
    boost::asio::post(io, [weak] {
      if (auto f = weak.lock(); f && f->download) f->download->resume();
    });
  });
  auto on_body = [this, weak](std::string_view chunk) {
    auto f = weak.lock();
    if (!f) return false;
    std::int64_t total = f->layer.size;
    if (total >= 0 && f->progress.current + static_cast<std::int64_t>(chunk.size()) > total) {
      f->download_error = "the registry sent more than the " + std::to_string(total) +
                          " bytes the manifest gives for " + f->layer.digest;
      f->download->cancel(f->download_error);
      return false;
    }
    if (!f->queue->push(chunk)) {
      // Refused because the extractor failed: stop downloading for nothing.
      if (f->queue->cancelled()) f->download->cancel("extraction failed");
      return false;
    }
    f->progress.current += static_cast<std::int64_t>(chunk.size());
    report(*f, false);
    return true;
  };
  fetch->download =
      client_.stream_blob(fetch->repo, fetch->layer.digest, on_body, [this, weak](Result<bool> r) {
        auto f = weak.lock();
        if (!f) return;
        f->download_done = true;
        if (!r && f->download_error.empty()) f->download_error = r.error().describe();
        if (r && f->layer.size >= 0 && f->progress.current != f->layer.size)
          f->download_error = "the registry sent " + std::to_string(f->progress.current) +
                              " of the " + std::to_string(f->layer.size) + " bytes of " +
                              f->layer.digest;
        if (f->download_error.empty()) {
          f->queue->finish();
          f->progress.status = "Extracting";
          report(*f, true);
        } else {
          f->queue->finish(f->download_error);
        }
      });
}

void LayerFetcher::extracted(const std::shared_ptr<Fetch>& fetch, Result<image::StreamedLayer> r) {
  if (fetch->extractor.joinable()) fetch->extractor.join();
  auto fail_with = [&](std::string message) { settle(fetch, fail(std::move(message))); };
  // The extractor reads to the end of the stream, so it finishes early only by failing:
  // then the download has nothing left to feed.
  if (!fetch->download_done) fetch->download->cancel("extraction failed");
  if (!fetch->download_error.empty()) return fail_with(fetch->download_error);
  if (!r) return settle(fetch, fail(r.error()));
  auto& layer = r.value();
  if (layer.blob_digest != fetch->layer.digest)
    return fail_with("layer " + fetch->layer.digest + ": the downloaded content hashes to " +
                     layer.blob_digest);
  if (layer.diff_id != fetch->diff_id)
    return fail_with("layer " + fetch->layer.digest + ": uncompressed content is " + layer.diff_id +
                     ", the config says " + fetch->diff_id);
  fetch->result->blob_digest = layer.blob_digest;
  fetch->result->diff_id = layer.diff_id;
  fetch->result->blob_size = layer.blob_size;
  fetch->result->bytes = layer.bytes;
  fetch->progress.status = "Pull complete";
  report(*fetch, true);
  settle(fetch, fetch->result);
}

void LayerFetcher::settle(const std::shared_ptr<Fetch>& fetch,
                          Result<std::shared_ptr<FetchedLayer>> result) {
  if (fetch->settled) return;
  fetch->settled = true;
  if (!result) fetch->result.reset();
  by_digest_.erase(fetch->layer.digest);
  auto waiters = std::move(fetch->waiters);
  for (auto& w : waiters) w(result);
  --running_;
  while (running_ < max_parallel_ && !waiting_.empty()) {
    auto next = waiting_.front();
    waiting_.pop_front();
    begin(next);
  }
}

void LayerFetcher::report(Fetch& fetch, bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - fetch.last_report < kProgressInterval) return;
  fetch.last_report = now;
  for (auto& o : fetch.observers) o(fetch.progress);
}

}  // namespace asup::registry
