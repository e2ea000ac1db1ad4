#include "cli/list_format.hpp"

#include "cli/common.hpp"

namespace asup::cli {
namespace {

std::string unescape(std::string s) {
  for (auto [from, to] : {std::pair{"\\t", "\t"}, std::pair{"\\n", "\n"}})
    for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += 1) s.replace(at, 2, to);
  return s;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> cells;
  size_t start = 0;
  for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
    cells.push_back(line.substr(start, tab - start));
  cells.push_back(line.substr(start));
  return cells;
}

}  // namespace

Result<ListFormat> ListFormat::parse(const std::string& format,
                                     const std::map<std::string, std::string>& columns,
                                     const std::string& default_table) {
  ListFormat f;
  std::string text = trim(format);
  if (text == "json") {
    f.json_lines_ = true;
    return f;
  }
  if (text.empty() || text == "table") text = "table " + default_table;
  if (text.compare(0, 6, "table ") == 0) {
    f.table_ = true;
    text = trim(text.substr(6));
  }
  ASUP_TRY(f.pieces_, parse_template(unescape(text), columns));
  for (const auto& piece : f.pieces_) {
    if (auto* literal = std::get_if<std::string>(&piece))
      f.header_ += *literal;
    else if (auto name = std::get<Field>(piece).name; !name.empty())
      f.header_ += columns.at(name);
  }
  return f;
}

Result<std::vector<ListFormat::Piece>> ListFormat::parse_template(
    const std::string& text, const std::map<std::string, std::string>& columns) {
  std::vector<Piece> pieces;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string::npos) {
      pieces.emplace_back(text.substr(pos));
      break;
    }
    if (open > pos) pieces.emplace_back(text.substr(pos, open - pos));
    size_t close = text.find("}}", open);
    if (close == std::string::npos) return fail("template: unclosed action in \"" + text + "\"");
    std::string action = trim(text.substr(open + 2, close - open - 2));
    if (action == "json .") {
      pieces.emplace_back(Field{""});
    } else if (action.size() > 1 && action[0] == '.' && columns.count(action.substr(1))) {
      pieces.emplace_back(Field{action.substr(1)});
    } else {
      std::string known;
      for (const auto& [name, title] : columns) known += " ." + name;
      return fail("template: unknown placeholder \"{{" + action + "}}\" (fields:" + known +
                  ", or json .)");
    }
    pos = close + 2;
  }
  return pieces;
}

std::string ListFormat::render(const nlohmann::json& row) const {
  std::string out;
  for (const auto& piece : pieces_) {
    if (auto* literal = std::get_if<std::string>(&piece))
      out += *literal;
    else if (auto name = std::get<Field>(piece).name; name.empty())
      out += row.dump();
    else
      out += row.value(name, "");
  }
  return out;
}

void ListFormat::print(const std::vector<nlohmann::json>& rows) const {
  if (table_) {
    std::vector<std::vector<std::string>> cells{split_tabs(header_)};
    for (const auto& row : rows) cells.push_back(split_tabs(render(row)));
    print_table(cells);
    return;
  }
  std::string out;
  for (const auto& row : rows) out += (json_lines_ ? row.dump() : render(row)) + "\n";
  write_all(1, out);
}

}  // namespace asup::cli
