#include "cli/terminal_session.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "api/requests.hpp"
#include "core/base64.hpp"
#include "term/detach_keys.hpp"

namespace asup::cli {
namespace {

// Keys per input request: base64 of it and the JSON around it stay below PIPE_BUF.
constexpr std::size_t kInputChunk = 2048;

// SIGWINCH wakes the relay thread through this pipe (a handler may only write()).
int g_winch_write = -1;
int g_winch_read = -1;

void on_winch(int) {
  if (g_winch_write >= 0) (void)!::write(g_winch_write, "w", 1);
}

void write_line(int fd, const nlohmann::json& request) {
  std::string line = request.dump() + "\n";
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // asupd is gone: the main thread learns it from the replies
    done += static_cast<std::size_t>(n);
  }
}

Status make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return fail_errno("pipe2");
  read_end.reset(p[0]);
  write_end.reset(p[1]);
  return ok();
}

}  // namespace

std::optional<term::WindowSize> client_window_size() {
  return term::window_size(::isatty(0) ? 0 : 1);
}

Result<std::unique_ptr<TerminalSession>> TerminalSession::start(int request_fd, Options options) {
  std::unique_ptr<TerminalSession> s{new TerminalSession(request_fd, std::move(options))};
  ASUP_TRY(make_pipe(s->stop_read_, s->stop_write_));
  if (g_winch_read < 0) {
    UniqueFd r, w;
    ASUP_TRY(make_pipe(r, w));
    g_winch_read = r.release();
    g_winch_write = w.release();
    struct sigaction sa {};
    sa.sa_handler = on_winch;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGWINCH, &sa, nullptr);
  }
  if (s->options_.tty && s->options_.relay_stdin && ::isatty(0)) {
    ASUP_TRY(auto raw, term::RawMode::enter(0));
    s->raw_.emplace(std::move(raw));
  }
  // The size may have changed since the request carried it.
  s->send_size();
  s->thread_ = std::thread([self = s.get()] { self->relay(); });
  return s;
}

TerminalSession::~TerminalSession() {
  (void)!::write(stop_write_.get(), "s", 1);
  if (thread_.joinable()) thread_.join();
  raw_.reset();
}

void TerminalSession::send_size() {
  if (!options_.tty) return;
  auto size = client_window_size();
  if (!size || size->rows == 0) return;
  api::ResizeRequest resize;
  resize.id = options_.container;
  resize.exec = options_.exec;
  resize.rows = size->rows;
  resize.cols = size->cols;
  write_line(request_fd_, api::request_line(resize));
}

void TerminalSession::relay() {
  term::DetachMatcher matcher{options_.detach_sequence};
  bool reading = options_.relay_stdin;
  char buf[kInputChunk];
  for (;;) {
    struct pollfd fds[3] = {
        {stop_read_.get(), POLLIN, 0}, {g_winch_read, POLLIN, 0}, {reading ? 0 : -1, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents) return;
    if (fds[1].revents) {
      while (::read(g_winch_read, buf, sizeof buf) > 0) {
      }
      send_size();
    }
    if (!fds[2].revents) continue;
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      // End of the user's input: a terminal stays open, as with Docker; a pipe ends.
      reading = false;
      if (!options_.tty) {
        api::InputRequest eof;
        eof.id = options_.container;
        eof.close = true;
        write_line(request_fd_, api::request_line(eof));
      }
      continue;
    }
    auto fed = matcher.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    if (!fed.forward.empty()) {
      api::InputRequest input;
      input.id = options_.container;
      input.exec = options_.exec;
      input.data = base64_encode(fed.forward);
      write_line(request_fd_, api::request_line(input));
    }
    if (fed.detach) {
      // The container runs on; asupd sees this session close and lets go of it.
      term::restore_all();
      ::_exit(0);
    }
  }
}

}  // namespace asup::cli
