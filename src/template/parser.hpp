// Tokens into the parse tree (ast.hpp), checking what Go checks when it parses: known
// functions, declared variables, {{end}}s, {{break}} only inside {{range}}.
#pragma once

#include <string_view>

#include "asup/result.hpp"
#include "template/ast.hpp"

namespace asup::tmpl {

Result<ast::List> parse_tree(std::string_view text);

}  // namespace asup::tmpl
