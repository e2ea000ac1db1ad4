// The functions a template may call: Go's built-ins and Docker's additions. `and` and
// `or` are the executor's, as they evaluate their arguments lazily.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "template/template.hpp"

namespace asup::tmpl {

// What a parameter takes; an argument of another type is Go's "wrong type for value".
enum class Param { any, string, integer, strings };

struct Builtin {
  std::vector<Param> params;
  bool variadic = false;  // the last parameter takes any number of arguments
  std::function<Result<Value>(const std::vector<Value>& args)> call;
};

bool is_function(const std::string& name);
// The function `name` (null for and/or); with `header`, Docker's header set, whose text
// functions give back their first argument unchanged.
const Builtin* find_builtin(const std::string& name, bool header);

}  // namespace asup::tmpl
