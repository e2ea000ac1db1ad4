#include "logs/container_log.hpp"

#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <spdlog/spdlog.h>

#include <algorithm>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace asup::logs {

std::int64_t realtime_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

namespace {

// The record's own copy of a held line start and a chunk's lines. Fresh memory of a large
// chunk is faulted in by one madvise instead of a fault per page, which costs far more on
// a virtual machine.
std::string copy_chunk(std::string_view held, std::string_view bytes) {
  std::string copy;
  const std::size_t size = held.size() + bytes.size();
  copy.reserve(size);
  const std::uintptr_t page = 4096;
  auto begin = (reinterpret_cast<std::uintptr_t>(copy.data()) + page - 1) & ~(page - 1);
  auto end = (reinterpret_cast<std::uintptr_t>(copy.data()) + size) & ~(page - 1);
  if (end > begin + 16 * page)
    (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
  copy.append(held);
  copy.append(bytes);
  return copy;
}

// How much of `bytes` goes into the ring now, after `held` bytes of its first line: up to
// its last newline, or all of it when the unfinished line would reach kMaxLinePiece. Only
// the chunk's last kMaxLinePiece bytes are searched: a newline before them leaves at least
// that much unfinished, which goes anyway.
std::size_t ready_bytes(std::size_t held, std::string_view bytes) {
  const std::size_t window = std::min(bytes.size(), kMaxLinePiece);
  const char* from = bytes.data() + bytes.size() - window;
  const void* nl = ::memrchr(from, '\n', window);
  std::size_t end =
      nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data()) + 1 : 0;
  if (held + bytes.size() - end >= kMaxLinePiece) return bytes.size();
  return end;
}

std::size_t index(Stream s) {
  return s == Stream::Stderr ? 1 : 0;
}

}  // namespace

ContainerLog::ContainerLog(std::string id, std::string path, std::size_t capacity)
    : id_(std::move(id)), path_(std::move(path)), capacity_(capacity), ring_(capacity) {}

Result<std::shared_ptr<ContainerLog>> ContainerLog::create(std::string id, std::string path,
                                                           std::size_t capacity) {
  std::shared_ptr<ContainerLog> log(new ContainerLog(std::move(id), std::move(path), capacity));
  ASUP_TRY(auto file, RingFile::open(log->path_, capacity));
  log->file_.emplace(std::move(file));
  return log;
}

std::shared_ptr<ContainerLog> ContainerLog::load(std::string id, std::string path,
                                                 std::size_t capacity, bool ended) {
  std::shared_ptr<ContainerLog> log(new ContainerLog(std::move(id), std::move(path), capacity));
  log->loaded_ = false;
  log->ended_ = ended;
  return log;
}

void ContainerLog::open_file() {
  auto file = RingFile::open(path_, capacity_);
  if (file)
    file_.emplace(std::move(file).value());
  else
    spdlog::warn("container {}: {}", id_.substr(0, 12), file.error().describe());
}

void ContainerLog::ensure_loaded() {
  if (loaded_) return;
  loaded_ = true;
  auto loaded = RingFile::read_back(path_);
  if (!loaded) return;
  // The file holds up to twice the ring's capacity: restore() keeps the newest lines and
  // counts the rest as dropped, on top of what rotation already discarded.
  ring_.restore(std::move(loaded.value().records), loaded.value().dropped);
}

void ContainerLog::reopen() {
  open_file();
  ensure_loaded();
}

void ContainerLog::resume() {
  ensure_loaded();
  ended_ = false;
  if (!file_) open_file();
}

void ContainerLog::import_spool(const Spooled& spool) {
  ensure_loaded();
  // A container that ended while asupd was away has no ring file open.
  const bool opened_here = !file_;
  if (opened_here) open_file();
  const SpoolImport plan = plan_import(spool, ring_);
  if (plan.gap > 0) {
    // The spool lost its oldest bytes: a gap after all the log holds. What the spool kept
    // is at least a ring's worth, so the ring's older records would go anyway; they go
    // now, counted with the gap, and the ring stays one unbroken run of output.
    if (file_) (void)file_->add_dropped(plan.gap);
    ring_.restore({}, ring_.dropped_bytes() + ring_.size_bytes() + plan.gap);
  }
  for (std::size_t i = plan.first; i < spool.records.size(); ++i) {
    const Record& r = spool.records[i];
    append(r.stream, r.bytes, r.time_ns);
  }
  if (opened_here) {
    // Its pipes are gone: a last line without a newline stays as it is.
    end_stream(Stream::Stdout);
    end_stream(Stream::Stderr);
    file_.reset();
  }
}

void ContainerLog::append(Stream stream, std::string_view bytes, std::int64_t time_ns) {
  if (bytes.empty()) return;
  const std::int64_t now = time_ns != 0 ? time_ns : realtime_ns();
  // Live readers get the bytes as they come, an unfinished line too (a prompt shows).
  for (std::size_t i = 0; i < followers_.size();) {
    Follower& f = followers_[i];
    if (f.until != 0 && now > f.until && f.caller != attached_) {
      end_follow(f.caller->serial());
      continue;
    }
    f.caller->send_output(stream_name(stream), now, bytes);
    ++i;
  }
  // One record per chunk, never one per line: each line of it arrived at `now`. A line's
  // record carries the time it was finished, as under Docker.
  std::string& held = pending_[index(stream)];
  const std::size_t ready = ready_bytes(held.size(), bytes);
  if (ready > 0) {
    store(Record{now, stream, copy_chunk(held, bytes.substr(0, ready))});
    held.clear();
  }
  if (ready < bytes.size()) {
    if (held.empty()) pending_time_[index(stream)] = now;
    held.append(bytes.substr(ready));
  }
}

void ContainerLog::end_stream(Stream stream) {
  std::string& held = pending_[index(stream)];
  if (held.empty()) return;
  store(Record{realtime_ns(), stream, std::move(held)});
  held = std::string();
}

void ContainerLog::store(Record record) {
  if (file_) {
    if (auto r = file_->append(record); !r) {
      spdlog::warn("container {}: log file: {}", id_.substr(0, 12), r.error().describe());
      file_.reset();  // keep the in-memory ring; never block the container on disk
    }
  }
  ring_.append(std::move(record));
}

bool ContainerLog::reader_behind() const {
  return attached_ && !attached_->closed() && attached_->queued_bytes() >= kAttachedBacklog;
}

void ContainerLog::wait_for_reader(std::function<void()> resume) {
  paused_captures_.push_back(std::move(resume));
  if (paused_captures_.size() > 1) return;  // the attached client is already waited on
  if (!attached_) {
    resume_captures();
    return;
  }
  attached_->on_drained([weak = weak_from_this()] {
    if (auto log = weak.lock()) log->resume_captures();
  });
}

void ContainerLog::resume_captures() {
  auto paused = std::move(paused_captures_);
  paused_captures_.clear();
  for (auto& resume : paused) resume();
}

void ContainerLog::attach(const api::CallerPtr& caller) {
  // The first paces capture; later ones (`attach` while another client is attached) get
  // the output and the exit without slowing the container further.
  if (!attached_ || attached_->closed())
    attached_ = caller;
  else
    exit_receivers_.push_back(caller->serial());
  follow(caller);
}

void ContainerLog::follow(const api::CallerPtr& caller, std::int64_t until) {
  followers_.push_back({caller, until});
  caller->on_close([weak = weak_from_this(), serial = caller->serial()] {
    if (auto log = weak.lock()) log->drop_follower(serial);
  });
}

void ContainerLog::drop_follower(std::uint64_t serial) {
  std::erase_if(followers_, [&](const Follower& f) { return f.caller->serial() == serial; });
  std::erase(exit_receivers_, serial);
  if (attached_ && attached_->serial() == serial) {
    attached_.reset();
    // Nobody is owed the output any more: capture goes on at the container's pace.
    resume_captures();
  }
}

void ContainerLog::end_follow(std::uint64_t serial) {
  auto it = std::find_if(followers_.begin(), followers_.end(),
                         [&](const Follower& f) { return f.caller->serial() == serial; });
  if (it == followers_.end()) return;
  auto caller = it->caller;
  drop_follower(serial);
  caller->reply(api::Done{});
}

void ContainerLog::finish(const api::Exit& exit) {
  ended_ = true;
  end_stream(Stream::Stdout);
  end_stream(Stream::Stderr);
  for (auto& follower : followers_) {
    const api::CallerPtr& f = follower.caller;
    if (f == attached_ || std::find(exit_receivers_.begin(), exit_receivers_.end(), f->serial()) !=
                              exit_receivers_.end())
      f->reply(exit);
    else
      f->reply(api::Done{});
  }
  followers_.clear();
  exit_receivers_.clear();
  attached_.reset();
}

std::optional<std::uint64_t> ContainerLog::dropped_bytes() const {
  if (!loaded_) return std::nullopt;
  return ring_.dropped_bytes();
}

}  // namespace asup::logs
