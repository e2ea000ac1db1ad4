// Output capture: the read ends of a container's stdout/stderr pipes live on the loop;
// every chunk becomes a timestamped record in the ring buffer and the ring file and goes
// to every live follower. A `logs -f` follower never slows the container: when it falls
// behind it is skipped (its front end bounds its queue) and told. The attached client
// of `run` is different: it must get every byte, so capture pauses while that client has
// a backlog and the container waits on its full pipe, as it would under Docker.
// Replaying the ring to `logs` is paced the same way: it goes on as the client reads.
#include <sys/mman.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>

#include "asup/protocol.hpp"
#include "core/fs.hpp"
#include "core/pipes.hpp"
#include "engine/engine.hpp"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace asup::engine {
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
// Capture stops reading while the attached client has this much unread: with one read
// buffer on top the backlog stays far below the queue bound at which output is skipped.
constexpr std::size_t kAttachedBacklog = 1 << 20;
static_assert(kAttachedBacklog + kReadBuffer < protocol::kMaxQueuedReplyBytes);

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

struct Engine::OutputCapture {
  std::string id;
  boost::asio::posix::stream_descriptor desc;
  logs::Stream stream;
  bool grown = false;
};

struct Engine::LogReplay {
  std::string id;
  std::weak_ptr<api::Caller> caller;
  std::uint64_t seq = 0;       // the next record to send
  std::size_t offset = 0;      // into that record (--tail may start mid-record)
  std::uint64_t sent_pos = 0;  // bytes of the container's output up to the next to send
  bool follow = false;
};

void Engine::capture(Instance& c, UniqueFd read_end, logs::Stream stream) {
  auto cap = std::make_shared<OutputCapture>(
      OutputCapture{c.config.id, {loop_.io(), read_end.release()}, stream});
  boost::system::error_code ec;
  cap->desc.non_blocking(true, ec);
  if (read_buf_.empty()) read_buf_.resize(kReadBuffer);
  capture_more(cap);
}

void Engine::capture_more(const std::shared_ptr<OutputCapture>& cap) {
  cap->desc.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this, cap](const boost::system::error_code& ec) {
                         auto it = containers_.find(cap->id);
                         if (it == containers_.end()) return;
                         Instance& c = *it->second;
                         if (ec || !read_output(c, *cap)) {
                           settle(c);  // EOF: every writer (the workload, asup-init) is gone
                           return;
                         }
                         if (attached_backlog(c)) {
                           pause_capture(c, [this, cap] { capture_more(cap); });
                           return;
                         }
                         capture_more(cap);
                       });
}

bool Engine::attached_backlog(const Instance& c) const {
  return c.attached && !c.attached->closed() && c.attached->queued_bytes() >= kAttachedBacklog;
}

void Engine::pause_capture(Instance& c, std::function<void()> resume) {
  c.paused_captures.push_back(std::move(resume));
  if (c.paused_captures.size() > 1) return;  // the attached client is already being waited on
  c.attached->on_drained([this, id = c.config.id] { resume_capture(id); });
}

void Engine::resume_capture(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  auto paused = std::move(it->second->paused_captures);
  it->second->paused_captures.clear();
  for (auto& resume : paused) resume();
}

bool Engine::read_output(Instance& c, OutputCapture& cap) {
  for (std::size_t turn = 0; turn < kReadTurn;) {
    // The attached client is behind: leave the rest in the pipe until it has read.
    if (attached_backlog(c)) return true;
    ssize_t n = ::read(cap.desc.native_handle(), read_buf_.data(), read_buf_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN;  // any other error ends the stream like EOF
    if (n == 0) return false;
    auto got = static_cast<std::size_t>(n);
    if (got >= kDefaultPipe && !cap.grown) {
      cap.grown = true;
      grow_pipe(cap.desc.native_handle());
    }
    append_output(c, cap.stream, std::string_view(read_buf_.data(), got));
    // Less than a buffer: the pipe was empty after it, and another read would only say so.
    if (got < read_buf_.size()) return true;
    turn += got;
  }
  return true;
}

void Engine::append_output(Instance& c, logs::Stream stream, std::string_view bytes,
                           std::int64_t time_ns) {
  logs::Record record{time_ns != 0 ? time_ns : now_ns(), stream, copy_chunk(bytes)};
  if (c.ring_file) {
    if (auto r = c.ring_file->append(record); !r) {
      spdlog::warn("container {}: log file: {}", c.config.id.substr(0, 12), r.error().describe());
      c.ring_file.reset();  // keep the in-memory ring; never block the container on disk
    }
  }
  for (auto& f : c.followers) f.caller->send_output(stream_name(stream), record.time_ns, bytes);
  c.ring.append(std::move(record));
}

void Engine::ensure_ring_loaded(Instance& c) {
  if (c.ring_loaded) return;
  c.ring_loaded = true;
  std::string path = fs::join(c.dir, "log");
  auto records = logs::RingFile::read_all(path);
  if (!records) return;
  // The file holds up to twice the ring's capacity: restore() keeps the newest bytes and
  // counts the rest as dropped, on top of what rotation already discarded.
  c.ring.restore(std::move(records).value(), logs::RingFile::read_dropped(path));
}

void Engine::send_ring(Instance& c, const CallerPtr& s, long tail, bool follow) {
  ensure_ring_loaded(c);
  if (c.ring.dropped_bytes() > 0) s->reply(api::Notice{c.ring.dropped_bytes(), std::nullopt});
  auto r = std::make_shared<LogReplay>(LogReplay{c.config.id, s});
  r->follow = follow;
  r->seq = c.ring.first_seq();
  // The ring holds the output from byte dropped_bytes() on: positions in that count tell
  // what the ring evicts while the replay waits for the client.
  r->sent_pos = c.ring.dropped_bytes();
  if (tail >= 0) {
    auto start = c.ring.tail_lines(static_cast<std::size_t>(tail));
    r->seq = start.seq;
    r->offset = start.offset;
    std::size_t after = 0;
    for (auto seq = start.seq; seq < c.ring.end_seq(); ++seq) after += c.ring.at(seq).bytes.size();
    r->sent_pos += c.ring.size_bytes() - after + start.offset;
  }
  replay(r);
}

void Engine::replay(const std::shared_ptr<LogReplay>& r) {
  auto s = r->caller.lock();
  if (!s || s->closed()) return;
  auto it = containers_.find(r->id);
  if (it == containers_.end()) {
    s->send_error(1, "container " + r->id.substr(0, 12) + " was removed while its logs were read");
    return;
  }
  Instance& c = *it->second;
  logs::RingBuffer& ring = c.ring;
  // While the client read, a running container may have pushed unsent records out.
  if (ring.dropped_bytes() > r->sent_pos) {
    s->reply(api::Notice{ring.dropped_bytes() - r->sent_pos, std::nullopt});
    r->seq = ring.first_seq();
    r->offset = 0;
    r->sent_pos = ring.dropped_bytes();
  }
  while (r->seq < ring.end_seq()) {
    if (s->queued_bytes() > 0) {
      // The client's FIFO is full: go on from here when it has read, never skipping.
      s->on_drained([this, r] { replay(r); });
      return;
    }
    const logs::Record& record = ring.at(r->seq);
    std::string_view bytes = record.bytes;
    bytes.remove_prefix(std::min(r->offset, bytes.size()));
    r->offset = 0;
    ++r->seq;
    r->sent_pos += bytes.size();
    if (!bytes.empty()) s->send_output(stream_name(record.stream), record.time_ns, bytes);
  }
  // Caught up within this turn of the loop: the next record is the first live one.
  if (r->follow && !c.finished()) {
    follow(c, s);
    return;
  }
  s->reply(api::Done{});
}

void Engine::follow(Instance& c, const CallerPtr& s) {
  c.followers.push_back({s});
  s->on_close([this, id = c.config.id, serial = s->serial()] { drop_follower(id, serial); });
}

void Engine::drop_follower(const std::string& id, std::uint64_t serial) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  auto& f = it->second->followers;
  f.erase(std::remove_if(f.begin(), f.end(),
                         [&](const Follower& x) { return x.caller->serial() == serial; }),
          f.end());
  if (it->second->attached && it->second->attached->serial() == serial) {
    it->second->attached.reset();
    // Nobody is owed the output any more: capture goes on at the container's pace.
    resume_capture(id);
  }
}

}  // namespace asup::engine
