// Container mode: the container's output is never lost to asupd's absence. While the asupd
// in charge lives, it reads the output pipes; when its pidfd turns readable, init reads
// them into the output spool until a restarted asupd asks for them back (the protocol is in
// launch/launch_spec.hpp, "Output while asupd is away").
#pragma once

#include <poll.h>

#include <cstdint>

#include "launch/spool_writer.hpp"

namespace asup::init {

class OutputKeeper {
 public:
  // Active only when asupd passed its pidfd, the control socket and both pipe holds (with
  // a terminal: the pty master in place of the stdout pipe, and no stderr);
  // without them (exec mode, a test without a daemon) there is nothing to keep.
  OutputKeeper(std::uint64_t log_size, bool tty);
  OutputKeeper(const OutputKeeper&) = delete;
  OutputKeeper& operator=(const OutputKeeper&) = delete;

  bool active() const { return active_; }

  // The keeper's slots in the supervise loop's poll set; fd -1 where nothing needs
  // watching now (the pipes are watched only while init is their reader).
  enum Slot { kDaemonSlot, kControlSlot, kStdoutSlot, kStderrSlot, kSlots };
  void fill(struct pollfd* slots) const;
  void handle(const struct pollfd* slots);

  // The workload exited: returns once every byte still in the pipes has a reader, asupd
  // or the spool, so init may leave.
  void finish();

 private:
  void daemon_gone();
  void on_control();
  // Reads pipe `slot` into the spool until it is empty or `budget` bytes were read.
  void drain(int slot, std::uint64_t budget);
  std::uint64_t unread() const;
  void wait_for_reader();
  void kill_leftovers();

  bool active_ = false;
  int daemon_ = -1;  // the asupd's pidfd (fds::kDaemonPidfd); -1 once it is gone
  bool draining_ = false;
  bool killed_leftovers_ = false;
  bool control_ = true;     // the control socket is worth watching
  bool open_[kSlots] = {};  // the pipes still to read (false after EOF)
  launch::spool::Writer spool_;
};

}  // namespace asup::init
