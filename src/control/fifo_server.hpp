// The daemon's accept queue: RUN_ROOT/asupd.fifo (0600). Clients write one short hello
// line naming their own request and reply FIFOs under RUN_ROOT/clients/; each valid hello
// becomes a Session. Lines that are malformed or name paths outside the clients dir are
// logged and dropped: without a valid reply FIFO there is nobody to answer.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>
#include <string>

#include "asup/result.hpp"
#include "control/line_splitter.hpp"
#include "control/session.hpp"

namespace asup::control {

class FifoServer {
 public:
  FifoServer(boost::asio::io_context& io, std::string run_root, Session::RequestFn on_request);
  // Creates the FIFO (replacing a stale one) and starts reading hellos.
  Status start();
  // Stops accepting new clients; existing sessions carry on.
  void stop();

 private:
  void read_more();
  void accept(std::string_view hello);

  boost::asio::io_context& io_;
  std::string run_root_;
  std::string clients_dir_;
  Session::RequestFn on_request_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> fifo_;
  UniqueFd keep_open_;  // our own writer, so the FIFO never reports EOF between clients
  LineSplitter splitter_;
  std::vector<char> buf_;
  std::uint64_t next_serial_ = 1;
};

}  // namespace asup::control
