// asupctl's side of the control protocol (docs/protocol.md): makes a private pair of
// FIFOs under RUN_ROOT/clients/, says hello on RUN_ROOT/asupd.fifo, then exchanges JSON
// lines. Blocking I/O: the CLI does one thing at a time.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::control {

class Client {
 public:
  struct Message {
    nlohmann::json header;
    std::string payload;  // the bytes after an "output" header
  };

  static Result<Client> connect(const std::string& run_root);
  Status send(const nlohmann::json& request);
  // Next message; an error when asupd closed the connection.
  Result<Message> receive();
  int reply_fd() const { return replies_.get(); }
  int request_fd() const { return requests_.get(); }

 private:
  Client(UniqueFd requests, UniqueFd replies)
      : requests_(std::move(requests)), replies_(std::move(replies)) {}
  Result<std::string> read_line();
  Status read_exact(std::size_t n, std::string& out);
  Status fill();

  UniqueFd requests_;
  UniqueFd replies_;
  std::string buffer_;
  std::size_t pos_ = 0;
};

// RUN_ROOT from --run-root, else $ASUP_RUN_ROOT, else /run/asup.
std::string default_run_root();

}  // namespace asup::control
