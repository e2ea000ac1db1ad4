#include "image/layer_stream.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>

#include "image/digest.hpp"
#include "image/layer_unpack.hpp"
#include "image/stream_decoder.hpp"

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

bool ChunkQueue::push_wait(std::string_view chunk) {
  std::unique_lock l(mutex_);
  space_cv_.wait(l,
                 [&] { return cancelled_ || bytes_ == 0 || bytes_ + chunk.size() <= capacity_; });
  if (cancelled_) return false;
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
    cv_.wait(l, [this] { return !chunks_.empty() || ended_ || cancelled_; });
    if (cancelled_) return fail("cancelled");
    if (chunks_.empty()) {
      if (error_) return fail(*error_);
      return std::string{};
    }
    chunk = std::move(chunks_.front());
    chunks_.pop_front();
    bytes_ -= chunk.size();
    space_cv_.notify_one();
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
  cv_.notify_all();
  space_cv_.notify_all();
}

bool ChunkQueue::cancelled() const {
  std::lock_guard l(mutex_);
  return cancelled_;
}

namespace {

// Uncompressed bytes the decoding thread may run ahead of the tar writer.
constexpr std::size_t kPlainQueueBytes = 8 << 20;

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t w = ::write(fd, data.data(), data.size());
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return fail_errno("write the blob");
    data.remove_prefix(static_cast<std::size_t>(w));
  }
  return ok();
}

// The first thread: blob bytes in, decoded tar bytes out to `plain`.
class BlobDecoder {
 public:
  BlobDecoder(ChunkQueue& in, ChunkQueue& plain, int blob_fd)
      : in_(in), plain_(plain), blob_fd_(blob_fd) {}

  void run() {
    auto r = consume();
    if (!r) {
      error_ = r.error().message;
      failed_.store(true, std::memory_order_release);
      in_.cancel();  // the download stops: nothing will take its bytes any more
      plain_.finish(error_);
      return;
    }
    plain_.finish();
  }

  // Valid once failed() or after the thread was joined.
  const std::string& error() const { return error_; }
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  std::string digest() { return "sha256:" + sha_.hex(); }
  std::int64_t size() const { return size_; }

 private:
  Status consume() {
    auto sink = [this](std::string_view block) -> Status {
      if (!plain_.push_wait(block)) return fail("the layer writer stopped");
      return ok();
    };
    std::string head;  // the first bytes, until there are enough to tell the format
    for (;;) {
      ASUP_TRY(std::string chunk, in_.pop());
      if (chunk.empty()) break;
      ASUP_TRY(write_all(blob_fd_, chunk));
      sha_.update(chunk.data(), chunk.size());
      size_ += static_cast<std::int64_t>(chunk.size());
      if (decoder_) {
        ASUP_TRY(decoder_->feed(chunk, sink));
        continue;
      }
      head += chunk;
      if (head.size() < 4) continue;
      decoder_ = make_decoder(head);
      ASUP_TRY(decoder_->feed(head, sink));
    }
    if (!decoder_) {
      decoder_ = make_decoder(head);
      if (!head.empty()) {
        ASUP_TRY(decoder_->feed(head, sink));
      }
    }
    return decoder_->finish();
  }

  ChunkQueue& in_;
  ChunkQueue& plain_;
  int blob_fd_;
  Sha256 sha_;
  std::int64_t size_ = 0;
  std::unique_ptr<StreamDecoder> decoder_;
  std::string error_;
  std::atomic<bool> failed_{false};
};

// The second thread's source: decoded tar bytes for libarchive's tar reader.
struct PlainSource {
  ChunkQueue* queue;
  std::string chunk;
};

la_ssize_t plain_read(archive* a, void* client, const void** out) {
  auto* src = static_cast<PlainSource*>(client);
  auto next = src->queue->pop();
  if (!next) {
    archive_set_error(a, EIO, "%s", next.error().message.c_str());
    return -1;
  }
  src->chunk = std::move(next.value());
  *out = src->chunk.data();
  return static_cast<la_ssize_t>(src->chunk.size());
}

}  // namespace

Result<StreamedLayer> unpack_stream(ChunkQueue& queue, int blob_fd, const std::string& dest,
                                    const std::string& what) {
  ChunkQueue plain(kPlainQueueBytes);
  BlobDecoder decoder(queue, plain, blob_fd);
  std::thread decoding([&decoder] { decoder.run(); });
  PlainSource src{&plain, {}};
  auto unpacked = unpack_layer(plain_read, &src, what, dest);
  // When the decoder failed first (a broken download, bad compression), its reason says
  // more than what the tar reader made of the cut stream; otherwise the writer's own
  // failure (a hostile entry) is the reason and the decoder only saw the cancellation.
  bool decoder_first = decoder.failed();
  if (!unpacked) {
    plain.cancel();
    queue.cancel();
  }
  decoding.join();
  if ((unpacked && decoder.failed()) || (!unpacked && decoder_first))
    return fail(what + ": " + decoder.error());
  if (!unpacked) return fail(unpacked.error());
  return StreamedLayer{decoder.digest(), decoder.size(), unpacked.value().diff_id,
                       unpacked.value().bytes};
}

}  // namespace asup::image
