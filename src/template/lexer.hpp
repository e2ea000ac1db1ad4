// Go's text/template lexer: the template cut into text and actions, each action into
// tokens. Trim markers ({{- and -}}) are applied here and comments dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"

namespace asup::tmpl {

struct Token {
  enum class Kind {
    identifier,  // a function or a keyword: if, range, true, nil ...
    field,       // .Name
    variable,    // $name, $
    dot,
    string,     // value holds the unquoted text
    number,     // text as written
    character,  // 'a': value holds the character
    pipe,
    left_paren,
    right_paren,
    declare,  // :=
    assign,   // =
    comma,
  };
  Kind kind;
  std::string text;   // as written
  std::string value;  // a string's or character's value
  std::size_t pos = 0;
  bool space_before = false;
};

struct Piece {
  bool action = false;
  std::string text;  // a text piece's bytes, trimmed as the markers ask
  std::vector<Token> tokens;
  std::size_t pos = 0;  // offset in the template
  std::size_t end = 0;  // one past the action's "}}"
};

// "template: :LINE: MESSAGE", LINE being the line of offset `pos`.
Error parse_error(std::string_view text, std::size_t pos, const std::string& message);

Result<std::vector<Piece>> lex(std::string_view text);

}  // namespace asup::tmpl
