// Whoever sent a request, as the engine sees it: where its replies and output go, how far
// behind it is, and when it goes away. A front end (a FIFO session today; the HTTP API and
// the OCI runtime next) implements it; the engine never knows which one it answers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/replies.hpp"
#include "asup/result.hpp"

namespace asup::api {

class Caller {
 public:
  virtual ~Caller() = default;

  // One reply message (a JSON object with its "type"); reply() is the typed way in.
  virtual void send(const nlohmann::json& message) = 0;
  // Container output. Live output a caller is too far behind on may be skipped (it is told
  // how much); a sender that must not skip paces itself with queued_bytes/on_drained.
  virtual void send_output(const char* stream, std::int64_t time_ns, std::string_view bytes) = 0;
  virtual std::size_t queued_bytes() const = 0;
  // Runs `callback` once nothing is queued (at once if nothing is); never after close.
  virtual void on_drained(std::function<void()> callback) = 0;
  // Runs `callback` when the caller goes away (or at once if it has).
  virtual void on_close(std::function<void()> callback) = 0;
  virtual bool closed() const = 0;
  // A pidfd of the calling process, for taking its standard descriptors (exec, run -i),
  // once the front end has verified who that process is. The caller owns the fd.
  virtual Result<int> client_pidfd() = 0;
  // Tells one caller from another for as long as the daemon runs.
  virtual std::uint64_t serial() const = 0;

  template <class Reply>
  void reply(const Reply& message) {
    send(reply_line(message));
  }
  void send_error(int exit_code, const std::string& message) {
    reply(Error{exit_code, message, std::nullopt});
  }
};

using CallerPtr = std::shared_ptr<Caller>;

}  // namespace asup::api
