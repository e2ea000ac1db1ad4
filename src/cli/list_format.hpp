// Docker's --format for listings (ps, images, network ls, volume ls; later stats, events):
// "" or "table" (the command's default columns), "json" (one object per line, `{{json .}}`),
// "table TEMPLATE" (a header row of column names, then a row per item, aligned by Go's
// tabwriter as Docker's CLI aligns them) or TEMPLATE (a line per item). TEMPLATE is Go's
// text/template (src/template); "\t" and "\n" in it stand for a tab and a newline.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "asup/result.hpp"
#include "template/template.hpp"

namespace asup::cli {

// What a listing's rows are, as Docker's formatter names them.
struct ListKind {
  std::string type;  // Go's name for a row, in errors: "*formatter.ContainerContext"
  std::map<std::string, std::string> headers;  // field -> column name: "ID" -> "IMAGE ID"
  std::string default_table;                   // plain "table": "{{.ID}}\t{{.Name}}"
};

// One item: Docker's fields (strings, as its formatter's methods return them) and its
// labels, for `.Label "key"`.
struct ListRow {
  nlohmann::json fields;
  std::map<std::string, std::string> labels;
};

class ListFormat {
 public:
  static Result<ListFormat> parse(const std::string& format, const ListKind& kind);
  // Every row rendered, then written; on a template error nothing is written and the
  // error is Docker's "template parsing error: ...".
  Status print(const std::vector<ListRow>& rows) const;
  // The text print writes.
  Result<std::string> render(const std::vector<ListRow>& rows) const;

 private:
  tmpl::Template template_;
  bool table_ = false;
  const ListKind* kind_ = nullptr;
};

// Docker's format keys: "" and "table" (a table of `table_format`), "json", else as given;
// the text a template is parsed from, with "\t" and "\n" turned into a tab and a newline.
std::string expand_format(const std::string& format, const std::string& table_format);

// The labels as Docker's .Labels shows them: "k=v,k2=v2", sorted.
std::string labels_text(const std::map<std::string, std::string>& labels);

}  // namespace asup::cli
