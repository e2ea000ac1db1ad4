#include "logs/capture.hpp"

#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "asup/protocol.hpp"
#include "core/pipes.hpp"

namespace asup::logs {
namespace {

// Pipes start at the kernel's default; one that fills it has a fast writer and grows.
constexpr std::size_t kDefaultPipe = 64 << 10;
// Paused at kAttachedBacklog, the attached client's queue grows by one read at most.
static_assert(kAttachedBacklog + kReadBuffer < protocol::kMaxQueuedReplyBytes);

}  // namespace

struct CaptureSet::Capture {
  std::weak_ptr<ContainerLog> log;
  boost::asio::posix::stream_descriptor desc;
  Stream stream;
  std::function<void()> on_eof;
  bool grown = false;
};

void CaptureSet::start(const std::shared_ptr<ContainerLog>& log, UniqueFd pipe, Stream stream,
                       std::function<void()> on_eof) {
  auto cap =
      std::make_shared<Capture>(Capture{log, {io_, pipe.release()}, stream, std::move(on_eof)});
  boost::system::error_code ec;
  cap->desc.non_blocking(true, ec);
  if (buffer_.empty()) buffer_.resize(kReadBuffer);
  wait(cap);
}

void CaptureSet::wait(const std::shared_ptr<Capture>& cap) {
  cap->desc.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this, cap](const boost::system::error_code& ec) {
                         auto log = cap->log.lock();
                         if (!log) return;
                         if (ec || !read(*cap, *log)) {
                           log->end_stream(cap->stream);
                           cap->on_eof();
                           return;
                         }
                         if (log->reader_behind()) {
                           log->wait_for_reader([this, cap] { wait(cap); });
                           return;
                         }
                         wait(cap);
                       });
}

bool CaptureSet::read(Capture& cap, ContainerLog& log) {
  for (std::size_t turn = 0; turn < kReadTurn;) {
    // The attached client is behind: leave the rest in the pipe until it has read.
    if (log.reader_behind()) return true;
    ssize_t n = ::read(cap.desc.native_handle(), buffer_.data(), buffer_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN;  // any other error ends the stream like EOF
    if (n == 0) return false;
    auto got = static_cast<std::size_t>(n);
    if (got >= kDefaultPipe && !cap.grown) {
      cap.grown = true;
      grow_pipe(cap.desc.native_handle());
    }
    log.append(cap.stream, std::string_view(buffer_.data(), got));
    // Less than a buffer: the pipe was empty after it, and another read would only say so.
    if (got < buffer_.size()) return true;
    turn += got;
  }
  return true;
}

}  // namespace asup::logs
