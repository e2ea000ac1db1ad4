#include "image/layer_stream.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "image/digest.hpp"
#include "image/layer_unpack.hpp"

namespace asup::image {

bool ChunkQueue::push(std::string_view chunk) {
  std::lock_guard l(mutex_);
  if (cancelled_) return false;
  // One chunk always fits into an empty queue, whatever its size.
  if (bytes_ > 0 && bytes_ + chunk.size() > capacity_) {
    refused_ = true;
    return false;
  }
  chunks_.emplace_back(chunk);
  bytes_ += chunk.size();
  cv_.notify_one();
  return true;
}

void ChunkQueue::finish(std::optional<std::string> error) {
  std::lock_guard l(mutex_);
  ended_ = true;
  error_ = std::move(error);
  cv_.notify_one();
}

void ChunkQueue::set_on_drained(std::function<void()> fn) {
  std::lock_guard l(mutex_);
  on_drained_ = std::move(fn);
}

Result<std::string> ChunkQueue::pop() {
  std::function<void()> drained;
  std::string chunk;
  {
    std::unique_lock l(mutex_);
    cv_.wait(l, [this] { return !chunks_.empty() || ended_; });
    if (chunks_.empty()) {
      if (error_) return fail(*error_);
      return std::string{};
    }
    chunk = std::move(chunks_.front());
    chunks_.pop_front();
    bytes_ -= chunk.size();
    if (refused_ && bytes_ <= capacity_ / 2) {
      refused_ = false;
      drained = on_drained_;
    }
  }
  if (drained) drained();
  return chunk;
}

void ChunkQueue::cancel() {
  std::lock_guard l(mutex_);
  cancelled_ = true;
  chunks_.clear();
  bytes_ = 0;
}

bool ChunkQueue::cancelled() const {
  std::lock_guard l(mutex_);
  return cancelled_;
}

namespace {

// The compressed side: every chunk is hashed and appended to the blob file before
// libarchive sees it.
struct BlobSource {
  ChunkQueue* queue;
  int blob_fd;
  Sha256 sha;
  std::int64_t size = 0;
  std::string chunk;
  std::string error;
};

la_ssize_t blob_read(archive* a, void* client, const void** out) {
  auto* src = static_cast<BlobSource*>(client);
  auto next = src->queue->pop();
  if (!next) {
    src->error = next.error().message;
    if (a) archive_set_error(a, EIO, "%s", src->error.c_str());
    return -1;
  }
  src->chunk = std::move(next.value());
  for (std::size_t done = 0; done < src->chunk.size();) {
    ssize_t w = ::write(src->blob_fd, src->chunk.data() + done, src->chunk.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      int err = errno;
      src->error = std::string{"write the blob: "} + std::strerror(err);
      if (a) archive_set_error(a, err, "%s", src->error.c_str());
      return -1;
    }
    done += static_cast<std::size_t>(w);
  }
  src->sha.update(src->chunk.data(), src->chunk.size());
  src->size += static_cast<std::int64_t>(src->chunk.size());
  *out = src->chunk.data();
  return static_cast<la_ssize_t>(src->chunk.size());
}

}  // namespace

Result<StreamedLayer> unpack_stream(ChunkQueue& queue, int blob_fd, const std::string& dest,
                                    const std::string& what) {
  BlobSource src{&queue, blob_fd, {}, 0, {}, {}};
  auto unpacked = unpack_layer(blob_read, &src, what, dest);
  if (!unpacked) {
    queue.cancel();
    // The download's own failure says more than what the decompressor made of it.
    if (!src.error.empty()) return fail(what + ": " + src.error);
    return fail(unpacked.error());
  }
  // The tar ends before the blob may (padding, trailing data of the compressor): the
  // digest covers every byte.
  for (;;) {
    const void* ignored = nullptr;
    la_ssize_t n = blob_read(nullptr, &src, &ignored);
    if (n < 0) return fail(what + ": " + src.error);
    if (n == 0) break;
  }
  return StreamedLayer{"sha256:" + src.sha.hex(), src.size, unpacked.value().diff_id,
                       unpacked.value().bytes};
}

}  // namespace asup::image
