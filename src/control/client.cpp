#include "control/client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "api/replies.hpp"
#include "asup/protocol.hpp"
#include "core/fs.hpp"

namespace asup::control {

std::string default_run_root() {
  const char* env = std::getenv("ASUP_RUN_ROOT");
  return env && *env ? env : "/run/asup";
}

namespace {

// Removes the client's private dir on every path out of connect().
struct DirCleanup {
  std::string dir;
  ~DirCleanup() {
    if (dir.empty()) return;
    ::unlink((dir + "/req").c_str());
    ::unlink((dir + "/rep").c_str());
    ::rmdir(dir.c_str());
  }
};

}  // namespace

Result<Client> Client::connect(const std::string& run_root_in) {
  std::string run_root = fs::absolute(run_root_in);
  std::string server = fs::join(run_root, protocol::kServerFifo);
  UniqueFd server_fd{::open(server.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)};
  if (!server_fd) {
    int e = errno;
    if (e == ENOENT || e == ENXIO)
      return fail(e, "cannot connect to asupd at " + server + " (is asupd running?)");
    return fail(e, "open " + server);
  }
  // The pid in the name lets asupd tell the dir of a client that died before its hello
  // from one still on its way, and remove it.
  std::string pattern = fs::join(fs::join(run_root, protocol::kClientsDir),
                                 "c." + std::to_string(::getpid()) + ".XXXXXX");
  DirCleanup cleanup;
  if (!::mkdtemp(pattern.data())) return fail_errno("mkdtemp " + pattern);
  cleanup.dir = pattern;
  std::string req = pattern + "/req", rep = pattern + "/rep";
  if (::mkfifo(req.c_str(), 0600) != 0) return fail_errno("mkfifo " + req);
  if (::mkfifo(rep.c_str(), 0600) != 0) return fail_errno("mkfifo " + rep);
  UniqueFd replies{::open(rep.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (!replies) return fail_errno("open " + rep);
  // O_RDWR opens a FIFO without waiting for a reader (Linux semantics, fifo(7)): the client
  // holds its write end before asupd exists for it, so asupd may unlink both names as soon
  // as it has opened them. We never read from it; when we exit asupd sees EOF.
  UniqueFd requests{::open(req.c_str(), O_RDWR | O_CLOEXEC)};
  if (!requests) return fail_errno("open " + req);

  nlohmann::json hello{
      {"hello", protocol::kVersion}, {"pid", ::getpid()}, {"requests", req}, {"replies", rep}};
  std::string line = hello.dump() + "\n";
  if (line.size() > protocol::kMaxHelloBytes) return fail(ENAMETOOLONG, "hello too long");
  if (::write(server_fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return fail_errno("write " + server);

  // Linux reports no POLLHUP on a FIFO that never had a writer, so this waits for the
  // daemon's hello reply, not for a hang-up.
  pollfd pfd{replies.get(), POLLIN, 0};
  int r;
  do r = ::poll(&pfd, 1, 30000);
  while (r < 0 && errno == EINTR);
  if (r <= 0) return fail(ETIMEDOUT, "asupd did not answer on " + server);
  int flags = ::fcntl(replies.get(), F_GETFL);
  ::fcntl(replies.get(), F_SETFL, flags & ~O_NONBLOCK);

  Client client{std::move(requests), std::move(replies)};
  ASUP_TRY(auto first, client.receive());
  if (first.type != api::Hello::kType) return fail(EPROTO, "unexpected first reply from asupd");
  return client;
}

Status Client::send(const nlohmann::json& request) {
  std::string line = request.dump() + "\n";
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::write(requests_.get(), rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("send request to asupd");
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  return ok();
}

Status Client::fill() {
  if (pos_ > 0 && (pos_ == buffer_.size() || pos_ > (1u << 20))) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(replies_.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read reply from asupd");
    if (n == 0) return fail(EPIPE, "asupd closed the connection");
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return ok();
  }
}

Result<std::string> Client::read_line() {
  for (;;) {
    auto nl = buffer_.find('\n', pos_);
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(pos_, nl - pos_);
      pos_ = nl + 1;
      return line;
    }
    ASUP_TRY(fill());
  }
}

Status Client::read_exact(std::size_t n, std::string& out) {
  out.clear();
  while (out.size() < n) {
    if (pos_ == buffer_.size()) {
      ASUP_TRY(fill());
    }
    std::size_t take = std::min(n - out.size(), buffer_.size() - pos_);
    out.append(buffer_, pos_, take);
    pos_ += take;
  }
  return ok();
}

Result<Client::Message> Client::parse_header(std::string_view line) {
  Message msg;
  msg.header = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (msg.header.is_discarded() || !msg.header.is_object())
    return fail(EPROTO, "malformed reply from asupd");
  if (auto type = msg.header.find("type"); type != msg.header.end() && type->is_string())
    msg.type = type->get<std::string>();
  return msg;
}

Result<Client::Message> Client::receive() {
  ASUP_TRY(auto line, read_line());
  ASUP_TRY(auto msg, parse_header(line));
  if (msg.type == api::Output::kType) {
    ASUP_TRY(auto output, decode_reply<api::Output>(msg.header));
    ASUP_TRY(read_exact(output.len, msg.payload));
  }
  return msg;
}

}  // namespace asup::control
