// The log of one container: the in-memory ring and its file twin, the clients reading it
// live (`logs -f`, the attached client of `run`) and the captures waiting for the attached
// client. Every chunk the container writes goes into the ring and the file and out to each
// live reader. A `logs -f` follower never slows the container: when it falls behind it is
// skipped (its front end bounds its queue) and told. The attached client is different: it
// must get every byte, so capture waits while that client has a backlog and the container
// waits on its full pipe, as it would under Docker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/caller.hpp"
#include "api/replies.hpp"
#include "asup/result.hpp"
#include "logs/ring_buffer.hpp"
#include "logs/ring_file.hpp"
#include "logs/spool_import.hpp"

namespace asup::logs {

// Capture stops reading while the attached client has this much unread: with one read
// buffer on top (capture.hpp) the backlog stays far below the queue bound at which a
// front end skips output.
inline constexpr std::size_t kAttachedBacklog = 1 << 20;
// A line is held back until its newline, as Docker's json-file driver does, up to this
// much of it: a longer line is stored in pieces of at least this size.
inline constexpr std::size_t kMaxLinePiece = 16 << 10;

// CLOCK_REALTIME in ns: what records are stamped with.
std::int64_t realtime_ns();

// `logs --since/--until`: Unix ns, 0 for no bound. A record counts if it arrived in
// [since, until].
struct TimeRange {
  std::int64_t since = 0;
  std::int64_t until = 0;
};

class ContainerLog : public std::enable_shared_from_this<ContainerLog> {
 public:
  // A container this asupd makes: an empty ring and a new ring file at `path`.
  static Result<std::shared_ptr<ContainerLog>> create(std::string id, std::string path,
                                                      std::size_t capacity);
  // A container found on disk when asupd starts: the ring is read back from its file when
  // first needed. `ended`: the container had exited, so nobody can follow it.
  static std::shared_ptr<ContainerLog> load(std::string id, std::string path, std::size_t capacity,
                                            bool ended);
  ContainerLog(const ContainerLog&) = delete;
  ContainerLog& operator=(const ContainerLog&) = delete;

  // A re-adopted container writes on: its ring file is opened for appending and the ring
  // read back from it.
  void reopen();
  // The container runs again (start, restart): its output goes on in the same ring and
  // file, after what its earlier runs wrote.
  void resume();
  // Output asup-init kept while no asupd read the pipes joins the log after everything it
  // holds, and reaches live readers like any other output.
  void import_spool(const Spooled& spool);

  // One chunk of output (time_ns 0: now) to every live reader, and its whole lines into the
  // ring and the file; the rest of a line waits there for its newline.
  void append(Stream stream, std::string_view bytes, std::int64_t time_ns = 0);
  // The stream ended (EOF): a last line without a newline is kept as it is.
  void end_stream(Stream stream);
  // The attached client has a backlog: capture should leave the rest in the pipe.
  bool reader_behind() const;
  // Runs `resume` once the attached client has read its backlog or gone away.
  void wait_for_reader(std::function<void()> resume);

  // `run` without -d, `attach`: `caller` gets every byte from now on and the container's
  // api::Exit at the end; the first attached client also paces capture.
  void attach(const api::CallerPtr& caller);
  // `logs`: the ring (from the last `tail` lines when tail >= 0, and within `range`) at the
  // caller's pace; then with `follow` the live output of a running container until
  // range.until, else api::Done.
  void replay(const api::CallerPtr& caller, long tail, bool follow, TimeRange range = {});
  // `logs -f --until` reached its end with nothing more written: the follower gets
  // api::Done and nothing more.
  void end_follow(std::uint64_t serial);
  // A live reader went away: it gets nothing more.
  void drop_follower(std::uint64_t serial);
  // The container ended: the attached client gets `exit`, every follower api::Done.
  void finish(const api::Exit& exit);

  // Output the log no longer holds; nothing before the ring is read back after a restart.
  std::optional<std::uint64_t> dropped_bytes() const;

 private:
  struct Replay;
  struct Follower {
    api::CallerPtr caller;
    std::int64_t until = 0;  // ns; 0: as long as the container runs
  };
  ContainerLog(std::string id, std::string path, std::size_t capacity);
  // A record into the file and the ring (live readers have had its bytes).
  void store(Record record);
  void open_file();
  void ensure_loaded();
  void follow(const api::CallerPtr& caller, std::int64_t until = 0);
  void resume_captures();
  static void continue_replay(const std::shared_ptr<Replay>& r);
  // Sends what the replay has yet to send; false when it waits for the caller to read.
  bool send_held(Replay& r, api::Caller& caller);

  std::string id_;
  std::string path_;
  std::size_t capacity_;
  RingBuffer ring_;
  bool loaded_ = true;  // false after a restart until the ring file is read back
  bool ended_ = false;
  std::optional<RingFile> file_;
  std::vector<Follower> followers_;
  // By stream (index Stream - 1): the start of a line that has no newline yet, and when it
  // began to arrive.
  std::string pending_[2];
  std::int64_t pending_time_[2] = {0, 0};
  api::CallerPtr attached_;
  std::vector<std::uint64_t> exit_receivers_;  // further attached clients, by serial
  // Captures waiting for the attached client to read its backlog.
  std::vector<std::function<void()>> paused_captures_;
};

}  // namespace asup::logs
