// The client's own terminal while it is attached to a container's: raw mode (every key,
// Ctrl-C included, goes to the container's terminal, which does the line editing and
// sends the signals), restored on every way out, and the window size the container's
// terminal should have.
#pragma once

#include <termios.h>

#include <cstdint>
#include <optional>

#include "asup/result.hpp"

namespace asup::term {

struct WindowSize {
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  bool operator==(const WindowSize&) const = default;
};

// The size of the terminal on fd; nothing when fd is not a terminal.
std::optional<WindowSize> window_size(int fd);

// Puts fd's terminal into raw mode and restores what it was on destruction. The saved
// mode is also what restore_all() puts back from a fatal-signal handler or atexit, so a
// client killed by SIGTERM or SIGHUP, or leaving through exit(), never leaves the user's
// shell in raw mode.
class RawMode {
 public:
  static Result<RawMode> enter(int fd);
  RawMode(RawMode&& other) noexcept;
  RawMode& operator=(RawMode&&) = delete;
  RawMode(const RawMode&) = delete;
  ~RawMode();

 private:
  RawMode(int fd, const struct termios& saved) : fd_(fd), saved_(saved) {}
  int fd_ = -1;
  struct termios saved_ {};
};

// Restores every terminal a live RawMode changed (async-signal-safe).
void restore_all();

}  // namespace asup::term
