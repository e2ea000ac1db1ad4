// A layer unpacked while it downloads: the network side (the event loop) pushes the blob's
// bytes into a bounded ChunkQueue; an extraction thread pops them, keeps the blob on disk,
// hashes it, decompresses and writes the layer directory, all in one pass. Nothing of the
// download waits on disk: when the extractor falls behind, push() refuses and the transfer
// pauses until the queue has drained.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "asup/result.hpp"

namespace asup::image {

class ChunkQueue {
 public:
  explicit ChunkQueue(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

  // Producer side. False (nothing taken) when the queue is full or was cancelled; after a
  // refusal `on_drained` runs, on the consumer's thread, once half the queue is free.
  bool push(std::string_view chunk);
  // Same for a producer thread: waits while the queue is full; false once cancelled.
  bool push_wait(std::string_view chunk);
  // The stream ended; with an error, the consumer fails with it.
  void finish(std::optional<std::string> error = std::nullopt);
  void set_on_drained(std::function<void()> fn);

  // Consumer side: the next chunk, "" at the end of the stream, or the producer's error.
  // Blocks while the queue is empty.
  Result<std::string> pop();
  // The consumer stopped early (it failed): further pushes are refused without a callback.
  void cancel();
  bool cancelled() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;        // consumers wait for data
  std::condition_variable space_cv_;  // push_wait waits for room
  std::deque<std::string> chunks_;
  std::size_t bytes_ = 0;
  std::size_t capacity_;
  bool ended_ = false;
  bool cancelled_ = false;
  bool refused_ = false;
  std::optional<std::string> error_;
  std::function<void()> on_drained_;
};

struct StreamedLayer {
  std::string blob_digest;  // "sha256:HEX" of the bytes as they came
  std::int64_t blob_size = 0;
  std::string diff_id;     // "sha256:HEX" of the uncompressed tar
  std::int64_t bytes = 0;  // regular-file content written
};

// Consumes `queue` to its end: every byte is appended to `blob_fd`, and the decompressed
// tar is unpacked into `dest` (an existing, empty directory). Cancels the queue on failure.
// Runs on a thread of its own and starts one more: one thread keeps, hashes and
// decompresses the blob, the other hashes the tar and writes the files, so a large layer
// keeps two cores busy. `what` names the blob in errors.
Result<StreamedLayer> unpack_stream(ChunkQueue& queue, int blob_fd, const std::string& dest,
                                    const std::string& what);

}  // namespace asup::image
