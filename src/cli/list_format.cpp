#include "cli/list_format.hpp"

#include "cli/common.hpp"
#include "template/tabwriter.hpp"

namespace asup::cli {
namespace {

std::string unescape(std::string s) {
  for (auto [from, to] : {std::pair{"\\t", "\t"}, std::pair{"\\n", "\n"}})
    for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += 1) s.replace(at, 2, to);
  return s;
}

bool is_table(const std::string& format) {
  return format.rfind("table", 0) == 0;
}

// Docker's SubHeaderContext.Label: a label's column is its key's last dotted part, with
// '-' and '_' read as spaces.
Result<nlohmann::json> header_label(const std::vector<tmpl::Value>& args) {
  if (args.size() != 1 || !args[0].json.is_string())
    return fail("wrong number of args for Label: want 1 got " + std::to_string(args.size()));
  std::string name = args[0].json.get<std::string>();
  name = name.substr(name.rfind('.') == std::string::npos ? 0 : name.rfind('.') + 1);
  for (auto& c : name)
    if (c == '-' || c == '_') c = ' ';
  return nlohmann::json(name);
}

tmpl::Method row_label(const std::map<std::string, std::string>& labels) {
  return [&labels](const std::vector<tmpl::Value>& args) -> Result<nlohmann::json> {
    if (args.size() != 1 || !args[0].json.is_string())
      return fail("wrong number of args for Label: want 1 got " + std::to_string(args.size()));
    auto it = labels.find(args[0].json.get<std::string>());
    return nlohmann::json(it == labels.end() ? "" : it->second);
  };
}

}  // namespace

std::string expand_format(const std::string& format, const std::string& table_format) {
  std::string text = format;
  if (text.empty() || text == "table") text = "table " + table_format;
  if (text == "json") text = "{{json .}}";
  if (is_table(text)) text = text.substr(5);
  return unescape(trim(text, " "));
}

std::string labels_text(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [k, v] : labels) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

Result<ListFormat> ListFormat::parse(const std::string& format, const ListKind& kind) {
  ListFormat f;
  f.kind_ = &kind;
  f.table_ = format.empty() || is_table(format);
  auto parsed = tmpl::Template::parse(expand_format(format, kind.default_table));
  if (!parsed) return fail("template parsing error: " + parsed.error().message);
  f.template_ = std::move(parsed.value());
  return f;
}

Result<std::string> ListFormat::render(const std::vector<ListRow>& rows) const {
  std::string out;
  if (table_) {
    // The header row is the template run on the column names, with Docker's header
    // functions; an error there leaves what it wrote, as Docker's does.
    tmpl::Options header;
    header.header = true;
    header.methods["Label"] = header_label;
    (void)template_.execute(nlohmann::json(kind_->headers), out, header);
    out += "\n";
  }
  for (const auto& row : rows) {
    tmpl::Options options;
    options.strict_type = kind_->type;
    if (kind_->headers.count("Labels")) options.methods["Label"] = row_label(row.labels);
    auto done = template_.execute(row.fields, out, options);
    if (!done) return fail("template parsing error: " + done.error().message);
    out += "\n";
  }
  return table_ ? tmpl::tabwrite(out) : out;
}

Status ListFormat::print(const std::vector<ListRow>& rows) const {
  ASUP_TRY(auto text, render(rows));
  write_all(1, text);
  return ok();
}

}  // namespace asup::cli
