#include "logs/container_log.hpp"

#include <sys/mman.h>
#include <time.h>

#include <spdlog/spdlog.h>

#include <algorithm>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace asup::logs {
namespace {

std::int64_t realtime_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

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
  auto records = RingFile::read_all(path_);
  if (!records) return;
  // The file holds up to twice the ring's capacity: restore() keeps the newest bytes and
  // counts the rest as dropped, on top of what rotation already discarded.
  ring_.restore(std::move(records).value(), RingFile::read_dropped(path_));
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
  if (opened_here) file_.reset();
}

void ContainerLog::append(Stream stream, std::string_view bytes, std::int64_t time_ns) {
  Record record{time_ns != 0 ? time_ns : realtime_ns(), stream, copy_chunk(bytes)};
  if (file_) {
    if (auto r = file_->append(record); !r) {
      spdlog::warn("container {}: log file: {}", id_.substr(0, 12), r.error().describe());
      file_.reset();  // keep the in-memory ring; never block the container on disk
    }
  }
  for (auto& f : followers_) f->send_output(stream_name(stream), record.time_ns, bytes);
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

void ContainerLog::follow(const api::CallerPtr& caller) {
  followers_.push_back(caller);
  caller->on_close([weak = weak_from_this(), serial = caller->serial()] {
    if (auto log = weak.lock()) log->drop_follower(serial);
  });
}

void ContainerLog::drop_follower(std::uint64_t serial) {
  std::erase_if(followers_, [&](const api::CallerPtr& f) { return f->serial() == serial; });
  std::erase(exit_receivers_, serial);
  if (attached_ && attached_->serial() == serial) {
    attached_.reset();
    // Nobody is owed the output any more: capture goes on at the container's pace.
    resume_captures();
  }
}

void ContainerLog::finish(const api::Exit& exit) {
  ended_ = true;
  for (auto& f : followers_) {
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
