#include "control/request.hpp"

namespace asup::control {

Result<Request> parse_request(std::string_view line) {
  auto doc = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return fail(EPROTO, "malformed request: not a JSON object");
  auto op = doc.find("op");
  if (op == doc.end()) return fail(EPROTO, "malformed request: no \"op\"");
  if (!op->is_string()) return fail(EPROTO, "malformed request: \"op\" is not a string");
  Request request;
  request.op = op->get<std::string>();
  if (request.op.empty()) return fail(EPROTO, "malformed request: \"op\" is empty");
  request.body = std::move(doc);
  return request;
}

}  // namespace asup::control
