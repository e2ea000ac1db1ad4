// One `pull`: reference -> manifest (through an index, for this platform) -> config ->
// layers (fetched in parallel, unpacked while they stream, skipped when the store has
// them) -> installed in the store under the reference. Progress goes to an observer as
// reply lines (api::StatusLine, api::Progress); the caller relays them to the client.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "asup/result.hpp"
#include "image/image_json.hpp"
#include "image/store.hpp"
#include "loop/event_loop.hpp"
#include "registry/layer_fetcher.hpp"
#include "registry/registry_client.hpp"

namespace asup::registry {

struct PullContext {
  loop::EventLoop& loop;
  RegistryClient& client;
  LayerFetcher& fetcher;
  image::Store& store;
};

struct PullResult {
  std::string reference;    // full reference pulled ("docker.io/library/busybox:latest")
  std::string digest;       // of the manifest (or index) the reference named
  std::string id;           // image id
  bool downloaded = false;  // false: the store had it all already
};

// "os/arch[/variant]" as --platform takes it.
Result<image::Platform> parse_platform(std::string_view text);
// The platform this host runs: linux/ARCH.
image::Platform host_platform();

// A pull's progress, one reply line at a time: api::StatusLine or api::Progress.
using PullObserver = std::function<void(nlohmann::json)>;
using PullDone = std::function<void(Result<PullResult>)>;

// Starts the pull; `done` runs on the loop when it has finished or failed. On failure
// nothing of it stays in the store.
void pull(PullContext context, const std::string& reference,
          std::optional<image::Platform> platform, PullObserver observer, PullDone done);

}  // namespace asup::registry
