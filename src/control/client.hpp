// asupctl's side of the control protocol (docs/protocol.md): makes a private pair of
// FIFOs under RUN_ROOT/clients/, says hello on RUN_ROOT/asupd.fifo, then exchanges JSON
// lines. Blocking I/O: the CLI does one thing at a time.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/fields.hpp"
#include "asup/result.hpp"
#include "asup/unique_fd.hpp"

namespace asup::control {

class Client {
 public:
  struct Message {
    std::string type;  // the header's "type"; empty when it has none
    nlohmann::json header;
    std::string payload;  // the bytes after an "output" header
  };

  static Result<Client> connect(const std::string& run_root);
  Status send(const nlohmann::json& request);
  // Next message; an error when asupd closed the connection or sent what is no reply.
  Result<Message> receive();
  // One reply line's header (no payload read): a JSON object, its "type" picked out.
  static Result<Message> parse_header(std::string_view line);
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

// `header`, a reply whose "type" is T's, as T; what does not decode is asupd speaking a
// language this client does not know, said in one line.
template <class T>
Result<T> decode_reply(const nlohmann::json& header) {
  auto reply = api::decode<T>(header);
  if (reply) return reply;
  // The codec words its errors for requests, the side it guards most.
  std::string why = reply.error().message;
  constexpr std::string_view kRequestWords = "invalid request: ";
  if (why.rfind(kRequestWords, 0) == 0) why.erase(0, kRequestWords.size());
  return fail("unexpected reply from asupd: \"" + std::string(T::kType) + "\": " + why);
}

// RUN_ROOT from --run-root, else $ASUP_RUN_ROOT, else /run/asup.
std::string default_run_root();

}  // namespace asup::control
