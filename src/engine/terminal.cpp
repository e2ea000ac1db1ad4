// attach, and input and resize requests: keys for a container's terminal (or its detached
// stdin pipe) and the terminal's size. Input and resize get no reply: they travel on an
// attached session between its output frames, so what cannot be delivered is logged and
// dropped.
#include <spdlog/spdlog.h>

#include "core/base64.hpp"
#include "engine/engine.hpp"

namespace asup::engine {

void Engine::input(const CallerPtr&, const api::InputRequest& req) {
  if (req.exec) {
    auto it = exec_consoles_.find(*req.exec);
    auto bytes = base64_decode(req.data);
    if (it != exec_consoles_.end() && bytes) it->second->write(std::move(bytes).value());
    return;
  }
  auto found = find(req.id);
  if (!found || !found.value()->stdin_writer) {
    spdlog::debug("input for {}: no stdin to write to", req.id);
    return;
  }
  auto bytes = base64_decode(req.data);
  if (!bytes) {
    spdlog::debug("input for {}: {}", req.id, bytes.error().describe());
    return;
  }
  auto& writer = *found.value()->stdin_writer;
  writer.write(std::move(bytes).value());
  // A terminal has no end of input short of hanging up; a pipe's reader sees EOF.
  if (req.close && !found.value()->config.tty) writer.close_after_writes();
}

void Engine::attach(const CallerPtr& s, const api::AttachRequest& req) {
  auto found = find(req.id);
  if (!found) return s->send_error(1, found.error().message);
  Instance& c = *found.value();
  if (c.restarting())
    return s->send_error(1,
                         "You cannot attach to a restarting container, wait until it is running");
  if (!c.running() || c.exit_seen)
    return s->send_error(1, "You cannot attach to a stopped container, start it first");
  s->reply(api::Attached{c.config.id, c.config.tty});
  c.log->attach(s);
}

void Engine::resize(const CallerPtr&, const api::ResizeRequest& req) {
  if (req.exec) {
    auto it = exec_consoles_.find(*req.exec);
    if (it != exec_consoles_.end() && req.rows > 0 && req.cols > 0)
      (void)it->second->resize(req.rows, req.cols);
    return;
  }
  auto found = find(req.id);
  if (!found || !found.value()->config.tty || !found.value()->stdin_writer) return;
  if (req.rows == 0 || req.cols == 0) return;
  if (auto r = found.value()->stdin_writer->resize(req.rows, req.cols); !r)
    spdlog::debug("{}", r.error().describe());
}

}  // namespace asup::engine
