// The client's side of a container it follows to the end (run, start -a, attach, exec):
// the container's output to stdout and stderr, and once the container is reached the relay
// of keys, window sizes and signals; the exit code last. Each command reads its own
// progress messages (created, attached, started) through the same loop.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "cli/call.hpp"
#include "cli/terminal_session.hpp"

namespace asup::cli {

class AttachedSession {
 public:
  // What goes from the user to the container once it is reached.
  struct Relay {
    bool keys = false;     // stdin, as input requests (to its terminal or stdin pipe)
    bool signals = false;  // SIGINT, SIGTERM... as kill requests
  };
  // `detach_sequence`: the parsed --detach-keys.
  AttachedSession(control::Client& client, std::string detach_sequence)
      : client_(client), detach_sequence_(std::move(detach_sequence)) {}
  // run -a: only these of "stdout" and "stderr" are shown (the log keeps both).
  void show_only(std::vector<std::string> streams) { streams_ = std::move(streams); }

  // The container (or the exec `exec` of it) was reached: the relay starts, and with a
  // terminal the terminal session (raw mode when keys are relayed, window sizes).
  Status reached(const std::string& id, bool tty, Relay relay,
                 std::optional<std::string> exec = std::nullopt);
  // For attach and start -a: `attached` says the container was reached. A terminal's keys
  // need a terminal here ("the input device is not a TTY", 1). An exit code when it failed.
  std::optional<int> attached(const api::Attached& attached, Relay relay);

  // Reads replies to the exit and returns its code: output frames are written out, notices
  // reported, and each reply of a type among Extra goes to `on_extra`, which returns an
  // exit code to end with or nullopt to read on. An error reply or a broken connection is
  // the Failure, with the user's terminal restored.
  template <class... Extra, class OnExtra>
  CallResult<int> follow(OnExtra&& on_extra) {
    for (;;) {
      auto reply = next_reply<OutputFrame, api::Notice, api::Exit, Extra...>(client_);
      if (!reply) {
        terminal_.reset();
        return std::move(reply).error();
      }
      auto done = std::visit(
          [&](auto& message) -> std::optional<int> {
            using T = std::decay_t<decltype(message)>;
            if constexpr (std::is_same_v<T, OutputFrame>)
              return show(message);
            else if constexpr (std::is_same_v<T, api::Notice>)
              return show(message);
            else if constexpr (std::is_same_v<T, api::Exit>)
              return finish(message);
            else
              return on_extra(message);
          },
          reply.value());
      if (done) return *done;
    }
  }

 private:
  std::optional<int> show(const OutputFrame& output);
  std::optional<int> show(const api::Notice& notice);
  int finish(const api::Exit& exit);

  control::Client& client_;
  std::string detach_sequence_;
  std::vector<std::string> streams_;  // -a: the output streams shown; empty: both
  std::unique_ptr<TerminalSession> terminal_;
};

}  // namespace asup::cli
