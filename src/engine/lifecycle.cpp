// create, start, restart, rename, update: the container's life after its first run.
#include "asup/protocol.hpp"
#include "engine/engine.hpp"

namespace asup::engine {

void Engine::create(const CallerPtr& s, const api::CreateRequest&) {
  s->send_error(protocol::kExitEngineError, "create: not yet");
}
void Engine::start(const CallerPtr& s, const api::StartRequest&) {
  s->send_error(protocol::kExitEngineError, "start: not yet");
}
void Engine::restart(const CallerPtr& s, const api::RestartRequest&) {
  s->send_error(protocol::kExitEngineError, "restart: not yet");
}
void Engine::pause(const CallerPtr& s, const api::PauseRequest&) {
  s->send_error(protocol::kExitEngineError, "pause: not yet");
}
void Engine::unpause(const CallerPtr& s, const api::UnpauseRequest&) {
  s->send_error(protocol::kExitEngineError, "unpause: not yet");
}
void Engine::rename(const CallerPtr& s, const api::RenameRequest&) {
  s->send_error(protocol::kExitEngineError, "rename: not yet");
}
void Engine::update(const CallerPtr& s, const api::UpdateRequest&) {
  s->send_error(protocol::kExitEngineError, "update: not yet");
}

}  // namespace asup::engine
