#include "template/template.hpp"

#include <algorithm>

#include "template/ast.hpp"
#include "template/builtins.hpp"
#include "template/go_format.hpp"
#include "template/parser.hpp"

namespace asup::tmpl {
namespace {

using ast::Operand;
using nlohmann::json;

enum class Flow { normal, break_, continue_ };

// One execution: the variables in scope and where the output goes.
class Executor {
 public:
  Executor(const std::string& text, const Options& options, std::string& out)
      : text_(text), options_(options), out_(out) {}

  Status run(const ast::List& list, const json& data) {
    Value dot{data, false, true};
    variables_.push_back({"$", dot});
    ASUP_TRY(walk(list, dot));
    return ok();
  }

 private:
  // "template: :1:2: executing "" at <.Foo>: MESSAGE", as Go's ExecError reads.
  Error error(std::size_t pos, const std::string& at, const std::string& message) const {
    auto before = std::string_view(text_).substr(0, pos);
    auto line = 1 + std::count(before.begin(), before.end(), '\n');
    auto newline = before.rfind('\n');
    auto col = newline == std::string_view::npos ? pos : pos - newline - 1;
    return Error{0, "template: :" + std::to_string(line) + ":" + std::to_string(col) +
                        ": executing \"\" at <" + at + ">: " + message};
  }

  Result<Flow> walk(const ast::List& list, const Value& dot) {
    for (const auto& node : list.nodes) {
      ASUP_TRY(auto flow, walk_node(node, dot));
      if (flow != Flow::normal) return flow;
    }
    return Flow::normal;
  }

  Result<Flow> walk_node(const ast::Node& node, const Value& dot) {
    if (auto* t = std::get_if<ast::Text>(&node.item)) {
      out_ += t->text;
    } else if (auto* a = std::get_if<ast::Action>(&node.item)) {
      ASUP_TRY(auto v, pipeline(a->pipe, dot));
      if (a->pipe.variables.empty()) out_ += go_print(v);
    } else if (auto* b = std::get_if<ast::Branch>(&node.item)) {
      auto mark = variables_.size();
      auto flow = b->kind == ast::Branch::Kind::range ? range(*b, dot) : if_or_with(*b, dot);
      variables_.resize(mark);
      return flow;
    } else if (std::holds_alternative<ast::Break>(node.item)) {
      return Flow::break_;
    } else if (std::holds_alternative<ast::Continue>(node.item)) {
      return Flow::continue_;
    }
    return Flow::normal;
  }

  Result<Flow> if_or_with(const ast::Branch& b, const Value& dot) {
    ASUP_TRY(auto v, pipeline(b.pipe, dot));
    if (go_truth(v)) return walk(b.body, b.kind == ast::Branch::Kind::with ? v : dot);
    return walk(b.otherwise, dot);
  }

  Result<Flow> range(const ast::Branch& b, const Value& dot) {
    ASUP_TRY(auto v, pipeline(b.pipe, dot));
    auto mark = variables_.size();
    auto vars = b.pipe.variables.size();
    // One pass: the element is dot; with one variable it is the element, with two the
    // index (or key) and the element.
    auto each = [&](const Value& key, const Value& elem) -> Result<Flow> {
      if (vars == 1) set_variable(b.pipe.variables[0], elem);
      if (vars == 2) {
        set_variable(b.pipe.variables[0], key);
        set_variable(b.pipe.variables[1], elem);
      }
      auto flow = walk(b.body, elem);
      variables_.resize(mark);
      return flow;
    };
    std::size_t passes = 0;
    if (v.missing) {
      // A map's missing key ranges over nothing, as Go's invalid value.
    } else if (v.json.is_array() || v.json.is_object()) {
      std::size_t i = 0;
      for (auto it = v.json.begin(); it != v.json.end(); ++it, ++i, ++passes) {
        Value key{v.json.is_object() ? json(it.key()) : json(i)};
        ASUP_TRY(auto flow, each(key, Value{*it}));
        if (flow == Flow::break_) break;
      }
    } else if (v.json.is_number_integer()) {
      for (std::int64_t i = 0; i < v.json.get<std::int64_t>(); ++i, ++passes) {
        ASUP_TRY(auto flow, each(Value{json(i)}, Value{json(i)}));
        if (flow == Flow::break_) break;
      }
    } else {
      return error(b.pipe.pos, b.pipe.commands.front().text,
                   "range can't iterate over " + go_print(v));
    }
    if (passes == 0) return walk(b.otherwise, dot);
    return Flow::normal;
  }

  void set_variable(const std::string& name, const Value& v) {
    for (auto it = variables_.rbegin(); it != variables_.rend(); ++it)
      if (it->first == name) {
        it->second = v;
        return;
      }
  }

  Result<Value> pipeline(const ast::Pipeline& pipe, const Value& dot) {
    Value v = Value::none();
    const Value* final = nullptr;
    for (const auto& command : pipe.commands) {
      ASUP_TRY(v, eval_command(command, dot, final));
      final = &v;
    }
    for (const auto& name : pipe.variables) {
      if (pipe.assign)
        set_variable(name, v);
      else
        variables_.push_back({name, v});
    }
    return v;
  }

  Result<Value> variable(const std::string& name) const {
    for (auto it = variables_.rbegin(); it != variables_.rend(); ++it)
      if (it->first == name) return it->second;
    return Value::none();  // the parser saw it declared
  }

  // Go's "can't give argument to non-function".
  Status no_arguments(const ast::Command& c, const Value* final) const {
    if (c.args.size() > 1 || final)
      return error(c.pos, c.text, "can't give argument to non-function " + c.args[0].text);
    return ok();
  }

  Result<Value> eval_command(const ast::Command& c, const Value& dot, const Value* final) {
    const Operand& first = c.args.front();
    std::vector<const Operand*> args;
    for (std::size_t i = 1; i < c.args.size(); ++i) args.push_back(&c.args[i]);
    switch (first.kind) {
      case Operand::Kind::function:
        return call(first, c, args, final, dot);
      case Operand::Kind::field:
      case Operand::Kind::variable:
      case Operand::Kind::sub: {
        Value base = dot;
        if (first.kind == Operand::Kind::variable) {
          ASUP_TRY(base, variable(first.name));
        } else if (first.kind == Operand::Kind::sub) {
          ASUP_TRY(base, pipeline(*first.sub, dot));
        }
        if (first.fields.empty()) {
          ASUP_TRY(no_arguments(c, final));
          return base;
        }
        return fields(first, base, args, final, dot);
      }
      case Operand::Kind::nil:
        return error(c.pos, c.text, "nil is not a command");
      default:
        ASUP_TRY(no_arguments(c, final));
        return literal(first, dot);
    }
  }

  static Value literal(const Operand& op, const Value& dot) {
    switch (op.kind) {
      case Operand::Kind::string:
        return Value{json(op.name)};
      case Operand::Kind::integer:
        return Value{json(op.integer)};
      case Operand::Kind::floating:
        return Value{json(op.floating)};
      case Operand::Kind::boolean:
        return Value{json(op.boolean)};
      case Operand::Kind::nil:
        return Value{nullptr};
      default:
        return dot;
    }
  }

  // base.F1.F2...; the last field takes `args` and `final`, a method's arguments.
  Result<Value> fields(const Operand& op, Value receiver, const std::vector<const Operand*>& args,
                       const Value* final, const Value& dot) {
    for (std::size_t i = 0; i < op.fields.size(); ++i) {
      bool last = i + 1 == op.fields.size();
      const std::string& name = op.fields[i];
      bool has_args = last && (!args.empty() || final);
      if (receiver.root) {
        if (auto m = options_.methods.find(name); m != options_.methods.end()) {
          std::vector<Value> values;
          if (last) {
            ASUP_TRY(values, eval_args(args, dot));
          }
          if (last && final) values.push_back(*final);
          auto result = m->second(values);
          if (!result) return error(op.pos, op.text, result.error().message);
          receiver = Value{std::move(result.value())};
          continue;
        }
      }
      if (receiver.missing) continue;  // Go gives the zero value on, without an error
      if (receiver.json.is_null())
        return error(op.pos, op.text, "nil pointer evaluating interface {}." + name);
      if (!receiver.json.is_object())
        return error(op.pos, op.text,
                     "can't evaluate field " + name + " in type " + go_type(receiver));
      auto found = receiver.json.find(name);
      if (found == receiver.json.end() && receiver.root && !options_.strict_type.empty())
        return error(op.pos, op.text,
                     "can't evaluate field " + name + " in type " + options_.strict_type);
      if (found == receiver.json.end() && receiver.root && options_.missing_key_error)
        return error(op.pos, op.text, "map has no entry for key \"" + name + "\"");
      if (has_args) return error(op.pos, op.text, name + " is not a method but has arguments");
      receiver = found == receiver.json.end() ? Value::none() : Value{*found};
    }
    return receiver;
  }

  Result<std::vector<Value>> eval_args(const std::vector<const Operand*>& args, const Value& dot) {
    std::vector<Value> values;
    for (const auto* a : args) {
      ASUP_TRY(auto v, eval_arg(*a, dot));
      values.push_back(std::move(v));
    }
    return values;
  }

  Result<Value> eval_arg(const Operand& op, const Value& dot) {
    switch (op.kind) {
      case Operand::Kind::field:
        return fields(op, dot, {}, nullptr, dot);
      case Operand::Kind::variable: {
        ASUP_TRY(auto base, variable(op.name));
        return fields(op, base, {}, nullptr, dot);
      }
      case Operand::Kind::sub: {
        ASUP_TRY(auto base, pipeline(*op.sub, dot));
        return fields(op, base, {}, nullptr, dot);
      }
      case Operand::Kind::function: {
        ast::Command alone{{op}, op.pos, op.text};
        return call(op, alone, {}, nullptr, dot);
      }
      default:
        return literal(op, dot);
    }
  }

  // and/or: Go evaluates their arguments one by one and stops at the first that decides.
  Result<Value> and_or(const Operand& fn, const ast::Command& c,
                       const std::vector<const Operand*>& args, const Value* final,
                       const Value& dot) {
    bool is_and = fn.name == "and";
    std::size_t count = args.size() + (final ? 1 : 0);
    if (count == 0)
      return error(c.pos, c.text,
                   "wrong number of args for " + fn.name + ": want at least 1 got 0");
    Value v;
    for (std::size_t i = 0; i < count; ++i) {
      if (i < args.size()) {
        ASUP_TRY(v, eval_arg(*args[i], dot));
      } else {
        v = *final;
      }
      if (go_truth(v) != is_and) return v;
    }
    return v;
  }

  Result<Value> call(const Operand& fn, const ast::Command& c,
                     const std::vector<const Operand*>& args, const Value* final,
                     const Value& dot) {
    if (fn.name == "and" || fn.name == "or") return and_or(fn, c, args, final, dot);
    const Builtin* builtin = find_builtin(fn.name, options_.header);
    ASUP_TRY(auto values, eval_args(args, dot));
    if (final) values.push_back(*final);
    std::size_t want = builtin->params.size() - (builtin->variadic ? 1 : 0);
    bool count_ok = builtin->variadic ? values.size() >= want : values.size() == want;
    if (!count_ok)
      return error(c.pos, c.text,
                   "wrong number of args for " + fn.name + ": want " +
                       (builtin->variadic ? "at least " : "") + std::to_string(want) + " got " +
                       std::to_string(values.size()));
    for (std::size_t i = 0; i < values.size(); ++i) {
      Param p = builtin->params[std::min(i, builtin->params.size() - 1)];
      if (auto bad = check(p, values[i]); !bad.empty()) return error(c.pos, c.text, bad);
    }
    auto result = builtin->call(values);
    if (!result)
      return error(c.pos, c.text, "error calling " + fn.name + ": " + result.error().message);
    Value v = std::move(result.value());
    v.root = false;
    return v;
  }

  // Go's conversion of an argument to the parameter's type; "" when it fits.
  static std::string check(Param p, const Value& v) {
    static const char* names[] = {"interface {}", "string", "int", "[]string"};
    const char* want = names[static_cast<int>(p)];
    if (p == Param::any) return "";
    if (v.missing) return std::string("invalid value; expected ") + want;
    bool fits = p == Param::string ? v.json.is_string()
                : p == Param::integer
                    ? v.json.is_number_integer()
                    : v.json.is_array() && std::all_of(v.json.begin(), v.json.end(),
                                                       [](const json& e) { return e.is_string(); });
    if (fits) return "";
    return std::string("wrong type for value; expected ") + want + "; got " + go_type(v);
  }

  const std::string& text_;
  const Options& options_;
  std::string& out_;
  std::vector<std::pair<std::string, Value>> variables_;
};

}  // namespace

Result<Template> Template::parse(std::string_view text) {
  ASUP_TRY(auto tree, parse_tree(text));
  Template t;
  t.text_ = std::make_shared<const std::string>(text);
  t.root_ = std::make_shared<const ast::List>(std::move(tree));
  return t;
}

Status Template::execute(const json& data, std::string& out, const Options& options) const {
  return Executor(*text_, options, out).run(*root_, data);
}

Result<std::string> Template::render(const json& data, const Options& options) const {
  std::string out;
  ASUP_TRY(execute(data, out, options));
  return out;
}

}  // namespace asup::tmpl
