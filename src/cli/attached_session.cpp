#include "cli/attached_session.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "cli/common.hpp"
#include "cli/signal_proxy.hpp"
#include "cli/warnings.hpp"

namespace asup::cli {

Status AttachedSession::reached(const std::string& id, bool tty, Relay relay,
                                std::optional<std::string> exec) {
  if (relay.signals) forward_signals(id, client_.request_fd());
  if (!tty && !relay.keys) return ok();
  TerminalSession::Options options{id, tty, relay.keys, detach_sequence_, std::move(exec)};
  ASUP_TRY(terminal_, TerminalSession::start(client_.request_fd(), std::move(options)));
  return ok();
}

std::optional<int> AttachedSession::attached(const api::Attached& attached, Relay relay) {
  if (attached.tty && relay.keys && !::isatty(0))
    return report_error("the input device is not a TTY", 1);
  if (auto started = reached(attached.id, attached.tty, relay); !started)
    return report_error(started.error().describe(), 1);
  return std::nullopt;
}

std::optional<int> AttachedSession::show(const OutputFrame& output) {
  if (!streams_.empty() &&
      std::find(streams_.begin(), streams_.end(), output.header.stream) == streams_.end())
    return std::nullopt;
  write_all(output.header.stream == "stderr" ? 2 : 1, output.bytes);
  return std::nullopt;
}

std::optional<int> AttachedSession::show(const api::Notice& notice) {
  print_warning(notice);
  if (notice.skipped_bytes)
    std::fprintf(stderr, "asupctl: %llu bytes of output skipped (this client fell behind)\n",
                 static_cast<unsigned long long>(*notice.skipped_bytes));
  return std::nullopt;
}

int AttachedSession::finish(const api::Exit& exit) {
  terminal_.reset();  // the user's terminal as it was, before any message
  return finish_exit(exit);
}

}  // namespace asup::cli
