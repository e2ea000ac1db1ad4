// Output capture: the read ends of a container's stdout/stderr pipes live on the loop;
// every chunk becomes a timestamped record in the ring buffer and the ring file and goes
// to every live follower. Nothing here ever waits for a reader: a slow client is skipped
// (control::Session bounds its queue), so the container never blocks on its logs.
#include <sys/mman.h>
#include <unistd.h>

#include <spdlog/spdlog.h>


#include "core/fs.hpp"
#include "supervisor/supervisor.hpp"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace asup::supervisor {
namespace {

const char* stream_name(logs::Stream s) {
  return s == logs::Stream::Stderr ? "stderr" : "stdout";
}

// One buffer for every capture (the loop is single-threaded): an idle container costs no
// read buffer of its own. As large as the largest pipe, so a full pipe is one read.
constexpr std::size_t kReadBuffer = 1 << 20;
// A container writing without pause yields the loop after this much.
constexpr std::size_t kReadTurn = 4 << 20;
// Pipes start at the kernel's default; one that fills it has a fast writer and grows.
constexpr std::size_t kDefaultPipe = 64 << 10;

// The record's own copy of a chunk. Fresh memory of a large chunk is faulted in by one
// madvise instead of a fault per page, which costs far more on a virtual machine.
std::string copy_chunk(std::string_view bytes) {
  std::string copy;
  copy.reserve(bytes.size());
  const std::uintptr_t page = 4096;
  auto begin = (reinterpret_cast<std::uintptr_t>(copy.data()) + page - 1) & ~(page - 1);
  auto end = (reinterpret_cast<std::uintptr_t>(copy.data()) + bytes.size()) & ~(page - 1);
  if (end > begin + 16 * page)
    (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
  copy.append(bytes);
  return copy;
}

}  // namespace

struct Supervisor::OutputCapture {
  std::string id;
  boost::asio::posix::stream_descriptor desc;
  logs::Stream stream;
  bool grown = false;
};

void Supervisor::capture(Instance& c, UniqueFd read_end, logs::Stream stream) {
  auto cap = std::make_shared<OutputCapture>(
      OutputCapture{c.config.id, {loop_.io(), read_end.release()}, stream});
  boost::system::error_code ec;
  cap->desc.non_blocking(true, ec);
  if (read_buf_.empty()) read_buf_.resize(kReadBuffer);
  capture_more(cap);
}

void Supervisor::capture_more(const std::shared_ptr<OutputCapture>& cap) {
  cap->desc.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this, cap](const boost::system::error_code& ec) {
                         auto it = containers_.find(cap->id);
                         if (it == containers_.end()) return;
                         Instance& c = *it->second;
                         if (ec || !read_output(c, *cap)) {
                           settle(c);  // EOF: every writer (the workload, asup-init) is gone
                           return;
                         }
                         capture_more(cap);
                       });
}

bool Supervisor::read_output(Instance& c, OutputCapture& cap) {
  for (std::size_t turn = 0; turn < kReadTurn;) {
    ssize_t n = ::read(cap.desc.native_handle(), read_buf_.data(), read_buf_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN;  // any other error ends the stream like EOF
    if (n == 0) return false;
    auto got = static_cast<std::size_t>(n);
    if (got >= kDefaultPipe && !cap.grown) {
      cap.grown = true;
      control::grow_pipe(cap.desc.native_handle());
    }
    append_output(c, cap.stream, std::string_view(read_buf_.data(), got));
    // Less than a buffer: the pipe was empty after it, and another read would only say so.
    if (got < read_buf_.size()) return true;
    turn += got;
  }
  return true;
}

void Supervisor::append_output(Instance& c, logs::Stream stream, std::string_view bytes) {
  logs::Record record{now_ns(), stream, copy_chunk(bytes)};
  if (c.ring_file) {
    if (auto r = c.ring_file->append(record); !r) {
      spdlog::warn("container {}: log file: {}", c.config.id.substr(0, 12), r.error().describe());
      c.ring_file.reset();  // keep the in-memory ring; never block the container on disk
    }
  }
  for (auto& f : c.followers) f.session->send_output(stream_name(stream), record.time_ns, bytes);
  c.ring.append(std::move(record));
}

void Supervisor::ensure_ring_loaded(Instance& c) {
  if (c.ring_loaded) return;
  c.ring_loaded = true;
  std::string path = fs::join(c.dir, "log");
  auto records = logs::RingFile::read_all(path);
  if (!records) return;
  // The file holds up to twice the ring's capacity: restore() keeps the newest bytes and
  // counts the rest as dropped, on top of what rotation already discarded.
  c.ring.restore(std::move(records).value(), logs::RingFile::read_dropped(path));
}

void Supervisor::send_ring(Instance& c, const SessionPtr& s, long tail) {
  ensure_ring_loaded(c);
  if (c.ring.dropped_bytes() > 0)
    s->send({{"type", "notice"}, {"dropped_bytes", c.ring.dropped_bytes()}});
  std::uint64_t seq = c.ring.first_seq();
  std::size_t offset = 0;
  if (tail >= 0) {
    auto start = c.ring.tail_lines(static_cast<std::size_t>(tail));
    seq = start.seq;
    offset = start.offset;
  }
  for (; seq < c.ring.end_seq(); ++seq) {
    const auto& r = c.ring.at(seq);
    std::string_view bytes = r.bytes;
    bytes.remove_prefix(std::min(offset, bytes.size()));
    offset = 0;
    if (!bytes.empty()) s->send_output(stream_name(r.stream), r.time_ns, bytes);
  }
}

}  // namespace asup::supervisor
