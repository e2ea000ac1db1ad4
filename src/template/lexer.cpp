#include "template/lexer.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "template/go_format.hpp"

namespace asup::tmpl {
namespace {

constexpr std::string_view kOpen = "{{", kClose = "}}";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

class ActionLexer {
 public:
  ActionLexer(std::string_view text, std::size_t pos) : text_(text), pos_(pos) {}

  // Tokens up to the closing delimiter; sets right_trim when it was " -}}".
  Result<std::vector<Token>> run(bool& right_trim) {
    std::vector<Token> tokens;
    bool space = false;
    int parens = 0;
    for (;;) {
      if (pos_ >= text_.size()) return error("unclosed action");
      char c = text_[pos_];
      if (at(kClose)) {
        pos_ += kClose.size();
        break;
      }
      if (is_space(c)) {
        while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
        if (at("-}}")) {
          right_trim = true;
          pos_ += 3;
          break;
        }
        space = true;
        continue;
      }
      Token t{Token::Kind::dot, "", "", pos_, space};
      space = false;
      ASUP_TRY(scan(c, t, parens));
      t.text = std::string(text_.substr(t.pos, pos_ - t.pos));
      tokens.push_back(std::move(t));
    }
    if (parens > 0) return error("unclosed left paren");
    return tokens;
  }

  std::size_t pos() const { return pos_; }

  // One token starting at c, its kind and extent in `t`; parens counts open ones.
  Status scan(char c, Token& t, int& parens) {
    if (c == '|') {
      t.kind = Token::Kind::pipe;
      ++pos_;
    } else if (c == '(') {
      t.kind = Token::Kind::left_paren;
      ++parens;
      ++pos_;
    } else if (c == ')') {
      if (--parens < 0) return error("unexpected right paren");
      t.kind = Token::Kind::right_paren;
      ++pos_;
    } else if (c == ',') {
      t.kind = Token::Kind::comma;
      ++pos_;
    } else if (at(":=")) {
      t.kind = Token::Kind::declare;
      pos_ += 2;
    } else if (c == '=') {
      t.kind = Token::Kind::assign;
      ++pos_;
    } else if (c == '"') {
      t.kind = Token::Kind::string;
      ASUP_TRY(t.value, quoted('"', "unterminated quoted string"));
    } else if (c == '`') {
      t.kind = Token::Kind::string;
      auto close = text_.find('`', pos_ + 1);
      if (close == std::string_view::npos) return error("unterminated raw quoted string");
      t.value = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
    } else if (c == '\'') {
      t.kind = Token::Kind::character;
      ASUP_TRY(t.value, quoted('\'', "unterminated character constant"));
    } else if (c == '$') {
      t.kind = Token::Kind::variable;
      ++pos_;
      while (pos_ < text_.size() && is_alnum(text_[pos_])) ++pos_;
    } else if (c == '.' && pos_ + 1 < text_.size() &&
               std::isdigit(static_cast<unsigned char>(text_[pos_ + 1]))) {
      t.kind = Token::Kind::number;
      number();
    } else if (c == '.') {
      ++pos_;
      if (pos_ < text_.size() && is_alnum(text_[pos_])) {
        t.kind = Token::Kind::field;
        while (pos_ < text_.size() && is_alnum(text_[pos_])) ++pos_;
      }
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               ((c == '+' || c == '-') && pos_ + 1 < text_.size() &&
                (std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])) ||
                 text_[pos_ + 1] == '.'))) {
      t.kind = Token::Kind::number;
      number();
    } else if (is_alnum(c)) {
      t.kind = Token::Kind::identifier;
      while (pos_ < text_.size() && is_alnum(text_[pos_])) ++pos_;
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "bad character U+%04X '%c'", static_cast<unsigned char>(c), c);
      return error(buf);
    }
    return ok();
  }

 private:
  bool at(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }

  Error error(const std::string& message) const { return parse_error(text_, pos_, message); }

  void number() {
    ++pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      bool sign = (c == '+' || c == '-') &&
                  (std::tolower(static_cast<unsigned char>(text_[pos_ - 1])) == 'e' ||
                   std::tolower(static_cast<unsigned char>(text_[pos_ - 1])) == 'p');
      if (!is_alnum(c) && c != '.' && !sign) break;
      ++pos_;
    }
  }

  // A Go quoted string or character, its escapes resolved.
  Result<std::string> quoted(char quote, const char* unterminated) {
    std::string out;
    std::size_t i = pos_ + 1;
    for (;; ++i) {
      if (i >= text_.size() || text_[i] == '\n') {
        pos_ = i;
        return error(unterminated);
      }
      char c = text_[i];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (++i >= text_.size()) continue;
      char e = text_[i];
      int hex_digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
      if (hex_digits) {
        auto digits = std::string(text_.substr(i + 1, hex_digits));
        unsigned long cp = std::strtoul(digits.c_str(), nullptr, 16);
        if (e == 'x')
          out += static_cast<char>(cp);
        else
          out += utf8_of(cp);
        i += hex_digits;
        continue;
      }
      if (e >= '0' && e <= '7') {
        out += static_cast<char>(std::strtoul(std::string(text_.substr(i, 3)).c_str(), nullptr, 8));
        i += 2;
        continue;
      }
      static const std::string_view from = "abfnrtv\\'\"", to = "\a\b\f\n\r\t\v\\'\"";
      auto at = from.find(e);
      if (at == std::string_view::npos) {
        pos_ = i;
        return error("unknown escape sequence");
      }
      out += to[at];
    }
    pos_ = i + 1;
    return out;
  }

  std::string_view text_;
  std::size_t pos_;
};

void trim_right(std::string& s) {
  while (!s.empty() && is_space(s.back())) s.pop_back();
}

}  // namespace

Error parse_error(std::string_view text, std::size_t pos, const std::string& message) {
  auto line = 1 + std::count(text.begin(), text.begin() + std::min(pos, text.size()), '\n');
  return Error{0, "template: :" + std::to_string(line) + ": " + message};
}

Result<std::vector<Piece>> lex(std::string_view text) {
  std::vector<Piece> pieces;
  std::size_t pos = 0;
  bool trim_next = false;  // the previous action ended with " -}}"
  while (pos < text.size()) {
    auto open = text.find(kOpen, pos);
    Piece literal;
    literal.text =
        std::string(text.substr(pos, open == std::string_view::npos ? open : open - pos));
    literal.pos = pos;
    if (trim_next) {
      auto first = literal.text.find_first_not_of(" \t\r\n");
      literal.text.erase(0, first == std::string::npos ? literal.text.size() : first);
    }
    if (open == std::string_view::npos) {
      if (!literal.text.empty()) pieces.push_back(std::move(literal));
      break;
    }
    std::size_t inside = open + kOpen.size();
    // "{{- " trims the text before it; "{{-3}}" is the number -3.
    if (text.substr(inside, 1) == "-" && inside + 1 < text.size() && is_space(text[inside + 1])) {
      trim_right(literal.text);
      inside += 2;
    }
    if (!literal.text.empty()) pieces.push_back(std::move(literal));
    while (inside < text.size() && is_space(text[inside])) ++inside;
    trim_next = false;
    if (text.substr(inside, 2) == "/*") {
      auto close = text.find("*/", inside + 2);
      if (close == std::string_view::npos) return parse_error(text, inside, "unclosed comment");
      std::size_t after = close + 2;
      if (text.substr(after, 4) == " -}}") {
        trim_next = true;
        after += 4;
      } else if (text.substr(after, 2) == kClose) {
        after += 2;
      } else {
        return parse_error(text, after, "comment ends before closing delimiter");
      }
      pos = after;
      continue;
    }
    ActionLexer lexer(text, inside);
    Piece action;
    action.action = true;
    action.pos = open;
    ASUP_TRY(action.tokens, lexer.run(trim_next));
    action.end = lexer.pos();
    pieces.push_back(std::move(action));
    pos = lexer.pos();
  }
  return pieces;
}

}  // namespace asup::tmpl
