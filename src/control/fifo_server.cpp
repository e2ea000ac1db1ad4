#include "control/fifo_server.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "asup/protocol.hpp"
#include "core/fs.hpp"

namespace asup::control {

FifoServer::FifoServer(boost::asio::io_context& io, std::string run_root,
                       Session::RequestFn on_request)
    : io_(io),
      run_root_(std::move(run_root)),
      clients_dir_(fs::join(run_root_, protocol::kClientsDir)),
      on_request_(std::move(on_request)),
      splitter_(protocol::kMaxHelloBytes),
      buf_(protocol::kMaxHelloBytes * 4) {}

Status FifoServer::start() {
  ASUP_TRY(fs::make_dirs(clients_dir_, 0700));
  std::string path = fs::join(run_root_, protocol::kServerFifo);
  ::unlink(path.c_str());
  if (::mkfifo(path.c_str(), 0600) != 0) return fail_errno("mkfifo " + path);
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail_errno("open " + path);
  fifo_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
  keep_open_.reset(::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!keep_open_) return fail_errno("open " + path + " for writing");
  read_more();
  return ok();
}

void FifoServer::stop() {
  if (!fifo_) return;
  ::unlink(fs::join(run_root_, protocol::kServerFifo).c_str());
  boost::system::error_code ec;
  fifo_->close(ec);
  keep_open_.reset();
}

void FifoServer::read_more() {
  fifo_->async_read_some(
      boost::asio::buffer(buf_), [this](const boost::system::error_code& ec, std::size_t n) {
        if (ec) return;  // closed by stop()
        splitter_.feed(
            std::string_view(buf_.data(), n), [this](std::string_view line) { accept(line); },
            [] { spdlog::warn("control: dropped an oversized hello line"); });
        read_more();
      });
}

namespace {

// A client path must be a direct child of a directory directly under the clients dir,
// with no "..": the daemon opens it as root.
bool inside_clients_dir(const std::string& path, const std::string& clients_dir) {
  if (path.rfind(clients_dir + "/", 0) != 0) return false;
  if (path.find("/..") != std::string::npos || path.find("//") != std::string::npos) return false;
  std::string rest = path.substr(clients_dir.size() + 1);
  auto slash = rest.find('/');
  return slash != std::string::npos && rest.find('/', slash + 1) == std::string::npos;
}

Result<UniqueFd> open_client_fifo(const std::string& path, int mode) {
  int fd = ::open(path.c_str(), mode | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return fail_errno("open " + path);
  UniqueFd owned{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return fail(EINVAL, path + " is not a FIFO");
  return owned;
}

}  // namespace

void FifoServer::accept(std::string_view line) {
  auto hello = nlohmann::json::parse(line, nullptr, false);
  if (hello.is_discarded() || !hello.is_object() || !hello.contains("requests") ||
      !hello.contains("replies") || !hello["requests"].is_string() ||
      !hello["replies"].is_string()) {
    spdlog::warn("control: dropped a malformed hello ({} bytes)", line.size());
    return;
  }
  std::string req_path = hello["requests"], rep_path = hello["replies"];
  pid_t pid = hello.value("pid", 0);
  if (!inside_clients_dir(req_path, clients_dir_) || !inside_clients_dir(rep_path, clients_dir_)) {
    spdlog::warn("control: dropped a hello naming paths outside {}", clients_dir_);
    return;
  }
  auto replies = open_client_fifo(rep_path, O_WRONLY);
  if (!replies) {
    // ENXIO: the client is already gone (nobody reads its reply FIFO).
    spdlog::debug("control: {}", replies.error().describe());
    return;
  }
  auto requests = open_client_fifo(req_path, O_RDONLY);
  if (!requests) {
    spdlog::debug("control: {}", requests.error().describe());
    return;
  }
  // Both ends are open: the names are no longer needed, and removing them here means a
  // client killed at any later point leaves nothing behind.
  ::unlink(req_path.c_str());
  ::unlink(rep_path.c_str());
  ::rmdir(req_path.substr(0, req_path.rfind('/')).c_str());
  auto session = std::make_shared<Session>(io_, std::move(requests).value(),
                                           std::move(replies).value(), pid, next_serial_++);
  session->start(on_request_);
}

}  // namespace asup::control
