// The parsed form of a template: Go's parse tree, reduced to what execution needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace asup::tmpl::ast {

struct Pipeline;

// One operand of a command. `fields` follows the operand: `.A.B` is Dot then {A, B};
// `$x.A` is Variable x then {A}; `(pipeline).A` is Sub then {A}.
struct Operand {
  enum class Kind { dot, field, variable, function, sub, string, integer, floating, boolean, nil };
  Kind kind = Kind::dot;
  std::string name;  // variable ("$x", "$"), function, or the string literal's value
  std::vector<std::string> fields;
  std::int64_t integer = 0;
  double floating = 0;
  bool boolean = false;
  std::shared_ptr<Pipeline> sub;
  std::size_t pos = 0;  // offset in the template text
  std::string text;     // as written, for errors: ".Foo", "index .A 1"
};

struct Command {
  std::vector<Operand> args;
  std::size_t pos = 0;
  std::string text;
};

struct Pipeline {
  std::vector<std::string> variables;  // declared or assigned: `$x :=`, `$i, $e :=`
  bool assign = false;                 // `=` rather than `:=`
  std::vector<Command> commands;
  std::size_t pos = 0;
};

struct Node;
struct List {
  std::vector<Node> nodes;
};

struct Text {
  std::string text;
};
struct Action {
  Pipeline pipe;
};
// if, with and range share a shape: a pipeline, a body and an else.
struct Branch {
  enum class Kind { if_, with, range };
  Kind kind = Kind::if_;
  Pipeline pipe;
  List body;
  List otherwise;
};
struct Break {};
struct Continue {};

struct Node {
  std::variant<Text, Action, Branch, Break, Continue> item;
  std::size_t pos = 0;
};

}  // namespace asup::tmpl::ast
