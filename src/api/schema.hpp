// The protocol's shape as data: every op with its request fields and the fields of its
// final result, read off the types themselves. docs/protocol.md is checked against it.
#pragma once

#include <string>
#include <vector>

namespace asup::api {

struct OpSchema {
  std::string op;
  std::vector<std::string> fields;        // the request's
  std::vector<std::string> reply_fields;  // its final result's
};

std::vector<OpSchema> protocol_schema();

}  // namespace asup::api
