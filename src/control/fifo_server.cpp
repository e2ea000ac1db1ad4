#include "control/fifo_server.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "asup/protocol.hpp"
#include "control/hello.hpp"
#include "core/fs.hpp"

namespace asup::control {
namespace {

// Clients' dirs are looked over at most this often, on the back of an accept: a dir
// exists only between a client's mkdtemp and its hello, so there are few to look at.
constexpr auto kSweepInterval = std::chrono::seconds(1);
// A client waits 30 s for the daemon's answer to its hello, then gives up (and removes its
// dir itself); whatever is older than this has nobody waiting on it.
constexpr auto kStaleClientDir = std::chrono::seconds(60);

}  // namespace

FifoServer::FifoServer(boost::asio::io_context& io, std::string run_root,
                       Session::RequestFn on_request, SessionLimits limits)
    : io_(io),
      run_root_(std::move(run_root)),
      clients_dir_(fs::join(run_root_, protocol::kClientsDir)),
      on_request_(std::move(on_request)),
      limits_(limits),
      framer_(protocol::kMaxHelloBytes) {}

Status FifoServer::start() {
  ASUP_TRY(auto clients, ClientsDir::open(clients_dir_));
  clients_.emplace(std::move(clients));
  // Before the FIFO exists, so no client of this daemon can have made a dir yet.
  clients_->remove_all();
  std::string path = fs::join(run_root_, protocol::kServerFifo);
  ::unlink(path.c_str());
  if (::mkfifo(path.c_str(), 0600) != 0) return fail_errno("mkfifo " + path);
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail_errno("open " + path);
  fifo_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
  keep_open_.reset(::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!keep_open_) return fail_errno("open " + path + " for writing");
  // One read takes all the FIFO holds, so a hello (one atomic write) never straddles two
  // reads: AcceptFramer relies on it.
  int capacity = ::fcntl(fd, F_GETPIPE_SZ);
  buf_.resize(std::max<std::size_t>(capacity > 0 ? capacity : 0, 64 << 10));
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
  fifo_->async_read_some(boost::asio::buffer(buf_),
                         [this](const boost::system::error_code& ec, std::size_t n) {
                           if (ec) return;  // closed by stop()
                           on_read(n);
                           read_more();
                         });
}

void FifoServer::on_read(std::size_t n) {
  framer_.feed(
      std::string_view(buf_.data(), n),
      [this](std::string_view line) {
        // The loop boundary for hellos: nothing one line does may stop the daemon from
        // accepting the next.
        try {
          accept(line);
        } catch (const std::exception& e) {
          spdlog::error("control: accepting a client failed: {}", e.what());
        } catch (...) {
          spdlog::error("control: accepting a client failed");
        }
      },
      [](std::size_t stale) {
        spdlog::warn("control: dropped {} bytes written to the accept FIFO without a newline",
                     stale);
      });
  // A read that filled the buffer may mean the FIFO was grown behind our back: follow it.
  if (n == buf_.size() && fifo_) {
    int capacity = ::fcntl(fifo_->native_handle(), F_GETPIPE_SZ);
    if (capacity > 0 && static_cast<std::size_t>(capacity) > buf_.size()) buf_.resize(capacity);
  }
  sweep_clients();
}

void FifoServer::accept(std::string_view line) {
  auto hello = find_hello(line, clients_dir_);
  if (!hello) {
    spdlog::warn("control: dropped a hello ({} bytes): {}", line.size(), hello.error().describe());
    return;
  }
  auto fifos = clients_->take(hello.value());
  if (!fifos) {
    // ENXIO: the client is already gone (nobody reads its reply FIFO).
    auto log_level = fifos.error().code == ENXIO ? spdlog::level::debug : spdlog::level::warn;
    spdlog::log(log_level, "control: dropped a hello: {}", fifos.error().describe());
    return;
  }
  Peer peer{hello.value().pid, std::move(fifos.value().requests_path)};
  auto session = std::make_shared<Session>(io_, std::move(fifos.value().requests),
                                           std::move(fifos.value().replies), std::move(peer),
                                           next_serial_++, limits_);
  session->start(on_request_);
}

void FifoServer::sweep_clients() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_sweep_ < kSweepInterval) return;
  last_sweep_ = now;
  if (std::size_t removed = clients_->sweep(kStaleClientDir))
    spdlog::debug("control: removed {} dirs of clients that are gone", removed);
}

}  // namespace asup::control
