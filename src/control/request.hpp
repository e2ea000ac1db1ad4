// The envelope of a request line on a session's request FIFO: a JSON object with a string
// "op" (docs/protocol.md, "Requests"). The Session refuses anything else before a handler
// sees it; the fields of each op are the handler's to type.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "asup/result.hpp"

namespace asup::control {

struct Request {
  std::string op;
  nlohmann::json body;  // the whole object, "op" included
};

// The error message is what the client is told ("malformed request: ...").
Result<Request> parse_request(std::string_view line);

}  // namespace asup::control
