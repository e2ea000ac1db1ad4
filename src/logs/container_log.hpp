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

  // One chunk of output (time_ns 0: now) into the ring, the file and every live reader.
  void append(Stream stream, std::string_view bytes, std::int64_t time_ns = 0);
  // The attached client has a backlog: capture should leave the rest in the pipe.
  bool reader_behind() const;
  // Runs `resume` once the attached client has read its backlog or gone away.
  void wait_for_reader(std::function<void()> resume);

  // `run` without -d, `attach`: `caller` gets every byte from now on and the container's
  // api::Exit at the end; the first attached client also paces capture.
  void attach(const api::CallerPtr& caller);
  // `logs`: the ring (from the last `tail` lines when tail >= 0) at the caller's pace; then
  // with `follow` the live output of a running container, else api::Done.
  void replay(const api::CallerPtr& caller, long tail, bool follow);
  // A live reader went away: it gets nothing more.
  void drop_follower(std::uint64_t serial);
  // The container ended: the attached client gets `exit`, every follower api::Done.
  void finish(const api::Exit& exit);

  // Output the log no longer holds; nothing before the ring is read back after a restart.
  std::optional<std::uint64_t> dropped_bytes() const;

 private:
  struct Replay;
  ContainerLog(std::string id, std::string path, std::size_t capacity);
  void open_file();
  void ensure_loaded();
  void follow(const api::CallerPtr& caller);
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
  std::vector<api::CallerPtr> followers_;
  api::CallerPtr attached_;
  std::vector<std::uint64_t> exit_receivers_;  // further attached clients, by serial
  // Captures waiting for the attached client to read its backlog.
  std::vector<std::function<void()>> paused_captures_;
};

}  // namespace asup::logs
