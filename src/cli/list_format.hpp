// Docker's --format for listings: "table" (the default columns), "json" (one object per
// line), "table TEMPLATE" (TEMPLATE's tab-separated columns under a header) or TEMPLATE
// (one line per row). A TEMPLATE is text with {{.Field}} placeholders and {{json .}};
// "\t" and "\n" in it stand for a tab and a newline, as in Docker.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "asup/result.hpp"

namespace asup::cli {

class ListFormat {
 public:
  // `columns`: every field a row has, with its column title ("ID" -> "IMAGE ID");
  // `default_table`: the TEMPLATE of plain "table" (and of an empty format).
  static Result<ListFormat> parse(const std::string& format,
                                  const std::map<std::string, std::string>& columns,
                                  const std::string& default_table);
  // Each row is an object with a string for every field of `columns`.
  void print(const std::vector<nlohmann::json>& rows) const;

 private:
  struct Field {
    std::string name;  // "" for {{json .}}
  };
  using Piece = std::variant<std::string, Field>;

  static Result<std::vector<Piece>> parse_template(
      const std::string& text, const std::map<std::string, std::string>& columns);
  std::string render(const nlohmann::json& row) const;

  bool json_lines_ = false;
  bool table_ = false;
  std::vector<Piece> pieces_;
  std::string header_;  // the table's first line, its cells tab-separated
};

}  // namespace asup::cli
