// Output capture: the read ends of a container's stdout/stderr pipes live on the loop;
// every chunk becomes a timestamped record in the ring buffer and the ring file and goes
// to every live follower. Nothing here ever waits for a reader: a slow client is skipped
// (control::Session bounds its queue), so the container never blocks on its logs.
#include <spdlog/spdlog.h>

#include "core/fs.hpp"
#include "supervisor/supervisor.hpp"

namespace asup::supervisor {
namespace {

const char* stream_name(logs::Stream s) {
  return s == logs::Stream::Stderr ? "stderr" : "stdout";
}

constexpr std::size_t kReadChunk = 256 * 1024;

}  // namespace

void Supervisor::capture(Instance& c, UniqueFd read_end, logs::Stream stream) {
  auto desc =
      std::make_shared<boost::asio::posix::stream_descriptor>(loop_.io(), read_end.release());
  auto buffer = std::make_shared<std::vector<char>>(kReadChunk);
  std::string id = c.config.id;
  auto step = std::make_shared<std::function<void()>>();
  *step = [this, id, desc, buffer, stream, step] {
    desc->async_read_some(
        boost::asio::buffer(*buffer),
        [this, id, desc, buffer, stream, step](const boost::system::error_code& ec, std::size_t n) {
          auto it = containers_.find(id);
          if (it == containers_.end()) {
            *step = nullptr;  // break the self-reference
            return;
          }
          Instance& c = *it->second;
          if (ec) {
            *step = nullptr;
            settle(c);  // EOF: every writer (the workload, asup-init) is gone
            return;
          }
          append_output(c, stream, std::string_view(buffer->data(), n));
          (*step)();
        });
  };
  (*step)();
}

void Supervisor::append_output(Instance& c, logs::Stream stream, std::string_view bytes) {
  logs::Record record{now_ns(), stream, std::string(bytes)};
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
