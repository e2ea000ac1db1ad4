// Layer downloads for pulls: each layer blob streams from the registry into an
// extraction thread (image::unpack_stream) that keeps the blob, hashes it and unpacks it
// into a staging directory while it arrives. A blob already being fetched is not fetched
// twice: a second pull joins the running download. At most `max_parallel` downloads run
// at once; the rest wait their turn.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "asup/result.hpp"
#include "image/image_json.hpp"
#include "image/layer_stream.hpp"
#include "image/store.hpp"
#include "loop/event_loop.hpp"
#include "registry/registry_client.hpp"

namespace asup::registry {

// A layer downloaded, verified and unpacked, waiting in its staging directory to be
// installed. The staging directory goes (off the loop) with the last owner.
struct FetchedLayer {
  FetchedLayer(loop::EventLoop& loop, std::string staging)
      : loop(&loop), staging(std::move(staging)) {}
  ~FetchedLayer();
  FetchedLayer(const FetchedLayer&) = delete;
  FetchedLayer& operator=(const FetchedLayer&) = delete;

  loop::EventLoop* loop;
  std::string staging;
  std::string blob_digest;
  std::string diff_id;
  std::string blob_file;
  std::string unpacked_dir;
  std::int64_t blob_size = 0;
  std::int64_t bytes = 0;
};

struct LayerProgress {
  std::string status;  // "Waiting", "Downloading", "Extracting", "Pull complete"
  std::int64_t current = 0;
  std::int64_t total = 0;
};

class LayerFetcher {
 public:
  using Observer = std::function<void(const LayerProgress&)>;
  using Done = std::function<void(Result<std::shared_ptr<FetchedLayer>>)>;

  LayerFetcher(loop::EventLoop& loop, RegistryClient& client, image::Store& store,
               std::size_t max_parallel);
  // Stops every download and waits for the extraction threads.
  ~LayerFetcher();

  // `layer` from the manifest; `diff_id` what the config promises for it.
  void fetch(const Repository& repo, const image::Descriptor& layer, const std::string& diff_id,
             Observer observer, Done done);

 private:
  struct Fetch;
  void begin(const std::shared_ptr<Fetch>& fetch);
  void extracted(const std::shared_ptr<Fetch>& fetch, Result<image::StreamedLayer> result);
  void settle(const std::shared_ptr<Fetch>& fetch, Result<std::shared_ptr<FetchedLayer>> result);
  void report(Fetch& fetch, bool force);

  loop::EventLoop& loop_;
  RegistryClient& client_;
  image::Store& store_;
  std::size_t max_parallel_;
  std::size_t running_ = 0;
  std::map<std::string, std::shared_ptr<Fetch>> by_digest_;  // in flight or waiting
  std::deque<std::shared_ptr<Fetch>> waiting_;
};

}  // namespace asup::registry
