// The FIFO front end's last step: a request line's op picks its typed request, whose fields
// are decoded (or refused with an error naming the field) before the engine sees them.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "api/caller.hpp"
#include "control/request.hpp"
#include "engine/engine.hpp"

namespace asup::control {

class Router {
 public:
  explicit Router(engine::Engine& engine);
  void route(const api::CallerPtr& caller, const Request& request);

 private:
  using Handler = std::function<void(const api::CallerPtr&, const nlohmann::json&)>;
  std::map<std::string, Handler, std::less<>> handlers_;
};

}  // namespace asup::control
