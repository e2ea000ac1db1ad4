// The daemon's accept queue: RUN_ROOT/asupd.fifo (0600). Clients write one short hello
// line naming their own request and reply FIFOs under RUN_ROOT/clients/; each valid hello
// becomes a Session. Lines that are malformed or name paths outside the clients dir are
// logged and dropped: without a valid reply FIFO there is nobody to answer.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "asup/result.hpp"
#include "control/accept_framer.hpp"
#include "control/clients_dir.hpp"
#include "control/session.hpp"

namespace asup::control {

class FifoServer {
 public:
  FifoServer(boost::asio::io_context& io, std::string run_root, Session::RequestFn on_request,
             SessionLimits limits = {});
  // Removes what earlier clients left in the clients dir, creates the FIFO (replacing a
  // stale one) and starts reading hellos.
  Status start();
  // Stops accepting new clients; existing sessions carry on.
  void stop();

 private:
  void read_more();
  void on_read(std::size_t n);
  void accept(std::string_view line);
  void sweep_clients();

  boost::asio::io_context& io_;
  std::string run_root_;
  std::string clients_dir_;
  Session::RequestFn on_request_;
  SessionLimits limits_;
  std::optional<ClientsDir> clients_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> fifo_;
  UniqueFd keep_open_;  // our own writer, so the FIFO never reports EOF between clients
  AcceptFramer framer_;
  std::vector<char> buf_;
  std::uint64_t next_serial_ = 1;
  std::chrono::steady_clock::time_point last_sweep_{};
};

}  // namespace asup::control
