#include "template/parser.hpp"

#include <cstdlib>

#include "template/builtins.hpp"
#include "template/lexer.hpp"

namespace asup::tmpl {
namespace {

using ast::Operand;
using Kind = Token::Kind;

// The tokens of one action, read front to back.
struct Cursor {
  const std::vector<Token>& tokens;
  std::size_t at = 0;
  std::size_t end_pos = 0;  // where the action's tokens end, for errors at its end

  bool done() const { return at >= tokens.size(); }
  const Token* peek() const { return done() ? nullptr : &tokens[at]; }
  bool next_is(Kind k) const { return !done() && tokens[at].kind == k; }
  const Token& take() { return tokens[at++]; }
};

bool is_keyword(const std::string& word) {
  for (const char* k :
       {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"})
    if (word == k) return true;
  return false;
}

// Code point of a UTF-8 character constant.
std::int64_t code_point(const std::string& s) {
  if (s.empty()) return 0;
  auto b = static_cast<unsigned char>(s[0]);
  if (b < 0x80 || s.size() == 1) return b;
  int extra = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
  std::int64_t cp = b & (0x3f >> extra);
  for (int i = 1; i <= extra && i < static_cast<int>(s.size()); ++i)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3f);
  return cp;
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Piece> pieces)
      : text_(text), pieces_(std::move(pieces)) {}

  Result<ast::List> run() {
    ast::List list;
    ASUP_TRY(auto stop, parse_list(list, 0));
    if (stop != Stop::eof) {
      const char* what = stop == Stop::end ? "{{end}}" : "{{else}}";
      return error(pieces_[index_ - 1].pos, std::string("unexpected ") + what);
    }
    return list;
  }

 private:
  enum class Stop { eof, end, else_ };

  Error error(std::size_t pos, const std::string& message) const {
    return parse_error(text_, pos, message);
  }

  // Nodes up to {{end}}, {{else ...}} or the end of the template; the piece that stopped it
  // is pieces_[index_ - 1].
  Result<Stop> parse_list(ast::List& list, int range_depth) {
    while (index_ < pieces_.size()) {
      const Piece& piece = pieces_[index_++];
      if (!piece.action) {
        list.nodes.push_back({ast::Text{piece.text}, piece.pos});
        continue;
      }
      Cursor cur{piece.tokens, 0, piece.end};
      const Token* first = cur.peek();
      std::string word = first && first->kind == Kind::identifier ? first->text : "";
      if (word == "end") {
        if (piece.tokens.size() > 1)
          return error(piece.pos, "unexpected " + quote(piece.tokens[1].text) + " in end");
        return Stop::end;
      }
      if (word == "else") return Stop::else_;
      if (word == "if" || word == "with" || word == "range") {
        cur.take();
        auto kind = word == "if"     ? ast::Branch::Kind::if_
                    : word == "with" ? ast::Branch::Kind::with
                                     : ast::Branch::Kind::range;
        ASUP_TRY(auto branch, parse_branch(kind, cur, piece.pos, range_depth));
        list.nodes.push_back({std::move(branch), piece.pos});
        continue;
      }
      if (word == "break" || word == "continue") {
        if (range_depth == 0) return error(piece.pos, "{{" + word + "}} outside {{range}}");
        if (piece.tokens.size() > 1)
          return error(piece.pos,
                       "unexpected " + quote(piece.tokens[1].text) + " in {{" + word + "}}");
        if (word == "break")
          list.nodes.push_back({ast::Break{}, piece.pos});
        else
          list.nodes.push_back({ast::Continue{}, piece.pos});
        continue;
      }
      if (word == "define" || word == "template" || word == "block")
        return error(piece.pos, "{{" + word + "}} is not supported in a --format template");
      ASUP_TRY(auto pipe, parse_pipeline(cur, "command", false));
      if (!cur.done())
        return error(cur.peek()->pos, "unexpected " + quote(cur.peek()->text) + " in command");
      list.nodes.push_back({ast::Action{std::move(pipe)}, piece.pos});
    }
    return Stop::eof;
  }

  static std::string quote(const std::string& s) { return "\"" + s + "\""; }

  Result<ast::Branch> parse_branch(ast::Branch::Kind kind, Cursor& cur, std::size_t pos,
                                   int range_depth) {
    static const char* names[] = {"if", "with", "range"};
    const char* name = names[static_cast<int>(kind)];
    auto scope = variables_.size();
    ast::Branch branch;
    branch.kind = kind;
    ASUP_TRY(branch.pipe, parse_pipeline(cur, name, kind == ast::Branch::Kind::range));
    if (!cur.done())
      return error(cur.peek()->pos, "unexpected " + quote(cur.peek()->text) + " in " + name);
    int body_depth = range_depth + (kind == ast::Branch::Kind::range ? 1 : 0);
    ASUP_TRY(auto stop, parse_list(branch.body, body_depth));
    if (stop == Stop::eof) return error(text_.size(), "unexpected EOF");
    if (stop == Stop::else_) {
      const Piece& else_piece = pieces_[index_ - 1];
      Cursor rest{else_piece.tokens, 1, else_piece.end};
      if (!rest.done()) {
        // {{else if ...}} (and {{else with ...}}) opens a branch that shares our {{end}}.
        const Token& t = rest.take();
        bool chains =
            t.kind == Kind::identifier && t.text == name && kind != ast::Branch::Kind::range;
        if (!chains) return error(t.pos, "unexpected " + quote(t.text) + " in else");
        ASUP_TRY(auto nested, parse_branch(kind, rest, else_piece.pos, range_depth));
        branch.otherwise.nodes.push_back({std::move(nested), else_piece.pos});
        variables_.resize(scope);
        return branch;
      }
      ASUP_TRY(stop, parse_list(branch.otherwise, range_depth));
      if (stop == Stop::eof) return error(text_.size(), "unexpected EOF");
      if (stop == Stop::else_)
        return error(pieces_[index_ - 1].pos, "expected end; found {{else}}");
    }
    (void)pos;
    variables_.resize(scope);
    return branch;
  }

  bool declared(const std::string& name) const {
    if (name == "$") return true;
    for (const auto& v : variables_)
      if (v == name) return true;
    return false;
  }

  // [$x :=] command | command ...; stops before ')' or at the action's end.
  Result<ast::Pipeline> parse_pipeline(Cursor& cur, const std::string& context, bool two_vars) {
    ast::Pipeline pipe;
    pipe.pos = cur.done() ? cur.end_pos : cur.peek()->pos;
    auto is = [&](std::size_t i, Kind k) {
      return cur.at + i < cur.tokens.size() && cur.tokens[cur.at + i].kind == k;
    };
    std::size_t names = 0;
    if (is(0, Kind::variable) && (is(1, Kind::declare) || is(1, Kind::assign)))
      names = 1;
    else if (is(0, Kind::variable) && is(1, Kind::comma) && is(2, Kind::variable) &&
             (is(3, Kind::declare) || is(3, Kind::assign)))
      names = 2;
    if (names == 2 && !two_vars) return error(pipe.pos, "too many declarations in " + context);
    if (names > 0) {
      pipe.variables.push_back(cur.take().text);
      if (names == 2) {
        cur.take();
        pipe.variables.push_back(cur.take().text);
      }
      pipe.assign = cur.take().kind == Kind::assign;
      for (auto& v : pipe.variables) {
        if (pipe.assign && !declared(v)) return error(pipe.pos, "undefined variable \"" + v + "\"");
        if (!pipe.assign) variables_.push_back(v);
      }
    }
    while (!cur.done() && !cur.next_is(Kind::right_paren)) {
      ASUP_TRY(auto command, parse_command(cur));
      pipe.commands.push_back(std::move(command));
      if (cur.next_is(Kind::pipe)) {
        cur.take();
        if (cur.done() || cur.next_is(Kind::right_paren))
          return error(cur.end_pos, "missing command after |");
      } else {
        break;
      }
    }
    if (pipe.commands.empty()) return error(pipe.pos, "missing value for " + context);
    for (std::size_t i = 1; i < pipe.commands.size(); ++i) {
      auto k = pipe.commands[i].args.front().kind;
      if (k == Operand::Kind::boolean || k == Operand::Kind::dot || k == Operand::Kind::nil ||
          k == Operand::Kind::integer || k == Operand::Kind::floating || k == Operand::Kind::string)
        return error(pipe.commands[i].pos,
                     "non executable command in pipeline stage " + std::to_string(i + 1));
    }
    return pipe;
  }

  Result<ast::Command> parse_command(Cursor& cur) {
    ast::Command command;
    command.pos = cur.peek()->pos;
    std::size_t end = command.pos;
    while (!cur.done() && !cur.next_is(Kind::pipe) && !cur.next_is(Kind::right_paren)) {
      ASUP_TRY(auto operand, parse_operand(cur));
      end = cur.at > 0 ? cur.tokens[cur.at - 1].pos + cur.tokens[cur.at - 1].text.size() : end;
      command.args.push_back(std::move(operand));
    }
    if (command.args.empty()) return error(command.pos, "empty command");
    command.text = std::string(text_.substr(command.pos, end - command.pos));
    return command;
  }

  Result<Operand> parse_operand(Cursor& cur) {
    const Token& t = cur.take();
    Operand op;
    op.pos = t.pos;
    switch (t.kind) {
      case Kind::identifier:
        if (t.text == "true" || t.text == "false") {
          op.kind = Operand::Kind::boolean;
          op.boolean = t.text == "true";
        } else if (t.text == "nil") {
          op.kind = Operand::Kind::nil;
        } else if (is_keyword(t.text)) {
          return error(t.pos, "unexpected <" + t.text + "> in command");
        } else if (!is_function(t.text)) {
          return error(t.pos, "function \"" + t.text + "\" not defined");
        } else {
          op.kind = Operand::Kind::function;
          op.name = t.text;
        }
        break;
      case Kind::field:
        op.kind = Operand::Kind::field;
        op.fields.push_back(t.text.substr(1));
        break;
      case Kind::variable:
        if (!declared(t.text)) return error(t.pos, "undefined variable \"" + t.text + "\"");
        op.kind = Operand::Kind::variable;
        op.name = t.text;
        break;
      case Kind::dot:
        op.kind = Operand::Kind::dot;
        break;
      case Kind::string:
        op.kind = Operand::Kind::string;
        op.name = t.value;
        break;
      case Kind::character:
        op.kind = Operand::Kind::integer;
        op.integer = code_point(t.value);
        break;
      case Kind::number: {
        ASUP_TRY(number(t, op));
        break;
      }
      case Kind::left_paren: {
        op.kind = Operand::Kind::sub;
        ASUP_TRY(auto sub, parse_pipeline(cur, "parenthesized pipeline", false));
        if (!cur.next_is(Kind::right_paren)) return error(t.pos, "unclosed left paren");
        cur.take();
        op.sub = std::make_shared<ast::Pipeline>(std::move(sub));
        break;
      }
      default:
        return error(t.pos, "unexpected " + quote(t.text) + " in operand");
    }
    // Fields written right after a term: $x.A, (pipeline).A, .A.B
    while (cur.next_is(Kind::field) && !cur.peek()->space_before) {
      bool chains = op.kind == Operand::Kind::field || op.kind == Operand::Kind::variable ||
                    op.kind == Operand::Kind::sub || op.kind == Operand::Kind::dot;
      if (!chains) return error(cur.peek()->pos, "unexpected . after term " + quote(t.text));
      if (op.kind == Operand::Kind::dot) op.kind = Operand::Kind::field;
      op.fields.push_back(cur.take().text.substr(1));
    }
    std::size_t end = cur.tokens[cur.at - 1].pos + cur.tokens[cur.at - 1].text.size();
    op.text = std::string(text_.substr(op.pos, end - op.pos));
    return op;
  }

  Status number(const Token& t, Operand& op) {
    std::string digits;
    for (char c : t.text)
      if (c != '_') digits += c;
    bool hex = digits.find("0x") != std::string::npos || digits.find("0X") != std::string::npos;
    bool is_float = digits.find('.') != std::string::npos ||
                    (!hex && digits.find_first_of("eE") != std::string::npos);
    char* end = nullptr;
    if (is_float) {
      op.kind = Operand::Kind::floating;
      op.floating = std::strtod(digits.c_str(), &end);
    } else {
      op.kind = Operand::Kind::integer;
      std::string body = digits;
      bool negative = !body.empty() && body[0] == '-';
      if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.erase(0, 1);
      int base = 0;
      if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) base = 2;
      if (body.size() > 2 && body[0] == '0' && (body[1] == 'o' || body[1] == 'O')) base = 8;
      if (base) body.erase(0, 2);
      op.integer = std::strtoll(body.c_str(), &end, base);
      if (negative) op.integer = -op.integer;
    }
    if (end == nullptr || *end != '\0' || digits.empty())
      return error(t.pos, "bad number syntax: " + quote(t.text));
    return ok();
  }

  std::string_view text_;
  std::vector<Piece> pieces_;
  std::size_t index_ = 0;
  std::vector<std::string> variables_;
};

}  // namespace

Result<ast::List> parse_tree(std::string_view text) {
  ASUP_TRY(auto pieces, lex(text));
  return Parser(text, std::move(pieces)).run();
}

}  // namespace asup::tmpl
