// The client's half of an attached terminal (run -t, attach): the user's terminal in raw
// mode (a container without a terminal gets only the stdin relay), what the user types relayed to
// the container's terminal as input requests (the detach keys watched for on the way), and every
// SIGWINCH sent on as a resize request. A thread does the relaying so that the main thread can
// block on asupd's replies; its request lines are shorter than PIPE_BUF, so they never interleave
// with the main thread's own (signal forwarding) on the request FIFO.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"
#include "term/terminal.hpp"

namespace asup::cli {

// The size of the user's terminal (stdin's, else stdout's), which a container's terminal
// takes; nothing when neither is a terminal.
std::optional<term::WindowSize> client_window_size();

class TerminalSession {
 public:
  struct Options {
    std::string container;            // whose terminal (or stdin)
    bool tty = true;                  // it has a terminal: raw mode here, sizes sent
    bool relay_stdin = false;         // -i
    std::string detach_sequence;      // parsed --detach-keys; empty: none
    std::optional<std::string> exec;  // the terminal of this exec in the container
  };
  // Raw mode (when stdin is a terminal and is relayed) and the relay thread.
  static Result<std::unique_ptr<TerminalSession>> start(int request_fd, Options options);
  // Stops relaying and restores the terminal.
  ~TerminalSession();
  TerminalSession(const TerminalSession&) = delete;
  TerminalSession& operator=(const TerminalSession&) = delete;

 private:
  TerminalSession(int request_fd, Options options)
      : request_fd_(request_fd), options_(std::move(options)) {}
  void relay();
  void send_size();

  int request_fd_;
  Options options_;
  std::optional<term::RawMode> raw_;
  UniqueFd stop_read_, stop_write_;
  std::thread thread_;
};

}  // namespace asup::cli
