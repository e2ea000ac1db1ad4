// Go's text/template, as Docker users write --format: fields and nested fields, pipelines,
// variables, if/else if/else, range, with, break/continue, Go's built-in functions (and,
// or, not, len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge) and Docker's
// (json, split, join, title, lower, upper, pad, truncate), over JSON data.
//
// Errors read as Go's: "template: :1: function \"foo\" not defined" when parsing,
// "template: :1:2: executing \"\" at <.Foo>: ..." when executing.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"

namespace asup::tmpl {

namespace ast {
struct List;
}

// A value while a template runs: JSON, or Go's "no value" (the invalid reflect.Value of a
// map's missing key), which prints as "<no value>".
struct Value {
  nlohmann::json json;
  bool missing = false;
  bool root = false;  // the data the template runs on, whose fields may be strict (Options)

  static Value none() { return Value{nullptr, true, false}; }
};

// A method of the data taking arguments, as Docker's `.Label "key"`.
using Method = std::function<Result<nlohmann::json>(const std::vector<Value>& args)>;

struct Options {
  // Go's name for the data's type ("*formatter.ContainerContext"). With one, a field the
  // data lacks is an error, as on Docker's structs ("can't evaluate field Foo in type
  // ..."); without, the data is a map and a missing field is "<no value>".
  std::string strict_type;
  // Go's missingkey=error for the data's own keys, as Docker's inspect runs a template on
  // an object's JSON: "map has no entry for key \"Foo\"". Maps below it stay lenient.
  bool missing_key_error = false;
  std::map<std::string, Method> methods;
  // Docker's header functions, which a table's header row runs with: json, split, join,
  // title, lower, upper and truncate give back their first argument unchanged.
  bool header = false;
};

class Template {
 public:
  static Result<Template> parse(std::string_view text);

  // Appends what the template writes to `out`; on an error, what it wrote before the error
  // stays in `out`, as Go's Execute leaves it in its writer.
  Status execute(const nlohmann::json& data, std::string& out, const Options& options = {}) const;
  Result<std::string> render(const nlohmann::json& data, const Options& options = {}) const;

 private:
  std::shared_ptr<const std::string> text_;  // for an error's line and column
  std::shared_ptr<const ast::List> root_;
};

}  // namespace asup::tmpl
