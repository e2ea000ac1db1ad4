// docs/protocol.md is checked against the types in src/api, which are the protocol: every
// op has a row in the Requests table naming exactly its request's fields, its "final
// reply" column names every field of its result (nested ones too), no row names an op
// asupd lacks, and the Replies section shows each reply message with exactly its fields.
#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "api/replies.hpp"
#include "api/requests.hpp"
#include "api/schema.hpp"

using namespace asup;

namespace {

std::string read_doc() {
  std::ifstream in(ASUP_SOURCE_DIR "/docs/protocol.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text under the heading "## TITLE", up to the next heading of that level.
std::string section(const std::string& doc, const std::string& title) {
  auto start = doc.find("\n## " + title + "\n");
  REQUIRE(start != std::string::npos);
  start = doc.find('\n', start + 1) + 1;
  auto end = doc.find("\n## ", start);
  return doc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The cells of a table row "| a | b |"; "\|" is a pipe inside a cell.
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (line[i] == '|') {
      out.push_back(trim(cell));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return out;
}

// The rows of the first table in `text`, without its header and separator rows.
std::vector<std::vector<std::string>> table_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  bool in_table = false;
  for (std::string line; std::getline(lines, line);) {
    bool row = !line.empty() && line[0] == '|';
    if (!row && in_table) break;
    if (row) {
      in_table = true;
      rows.push_back(cells(line));
    }
  }
  REQUIRE(rows.size() >= 2);
  rows.erase(rows.begin(), rows.begin() + 2);
  return rows;
}

// Every `code span` of `text`; with top_level_only, only those outside (), [] and {}, where
// a field's name stands rather than its description.
std::vector<std::string> code_spans(const std::string& text, bool top_level_only = false) {
  std::vector<std::string> spans;
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '`') {
      auto close = text.find('`', i + 1);
      REQUIRE(close != std::string::npos);
      if (!top_level_only || depth == 0) spans.push_back(text.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      --depth;
    }
  }
  return spans;
}

// The words (identifiers) in `text`.
std::set<std::string> words(const std::string& text) {
  std::set<std::string> out;
  std::string word;
  for (char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      word += c;
    } else if (!word.empty()) {
      out.insert(word);
      word.clear();
    }
  }
  return out;
}

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

template <class T>
void add_fields(std::set<std::string>& out);

// The fields of the structs a field of type F holds, directly or in a list.
template <class F>
void add_nested(std::set<std::string>& out) {
  if constexpr (api::is_optional<F>::value || is_vector<F>::value)
    add_nested<typename F::value_type>(out);
  else if constexpr (api::has_fields<F>::value)
    add_fields<F>(out);
}

// T's field names and those of every struct inside it.
template <class T>
void add_fields(std::set<std::string>& out) {
  T value{};
  T::fields(value, [&](const char* name, auto& field) {
    out.insert(name);
    add_nested<std::decay_t<decltype(field)>>(out);
  });
}

// Op -> the field names of its final result, nested ones included.
std::map<std::string, std::set<std::string>> result_fields() {
  std::map<std::string, std::set<std::string>> out;
  api::for_each_request([&](auto request) {
    using Request = decltype(request);
    add_fields<typename Request::Reply>(out[std::string(Request::kOp)]);
  });
  return out;
}

struct Row {
  std::vector<std::string> fields;  // named in the "fields" column
  std::string final_reply;          // the "final reply" column
};

// The Requests table by op.
std::map<std::string, Row> request_rows(const std::string& doc) {
  std::map<std::string, Row> rows;
  for (auto& row : table_rows(section(doc, "Requests"))) {
    INFO("row: " << row.at(0));
    REQUIRE(row.size() == 3);
    auto op = code_spans(row[0]);
    REQUIRE(op.size() == 1);
    CHECK(rows.count(op[0]) == 0);
    rows[op[0]] = {code_spans(row[1], true), row[2]};
  }
  return rows;
}

// The field names of the reply messages shown as `{"type":"TYPE",...}` in `text`.
std::set<std::string> shown_fields(const std::string& text, std::string_view type) {
  std::set<std::string> fields;
  std::string start = "{\"type\":\"" + std::string(type) + "\"";
  static const std::regex key("\"([A-Za-z_]+)\"\\s*:");
  for (auto& span : code_spans(text)) {
    if (span.rfind(start, 0) != 0) continue;
    for (std::sregex_iterator m(span.begin(), span.end(), key), end; m != end; ++m)
      fields.insert((*m)[1]);
  }
  fields.erase("type");
  return fields;
}

template <class T>
void check_reply_shown(const std::string& replies) {
  INFO("reply \"" << T::kType << "\"");
  auto names = api::field_names<T>();
  CHECK(shown_fields(replies, T::kType) == std::set<std::string>(names.begin(), names.end()));
  // Shown at all, even without fields.
  CHECK(replies.find("`{\"type\":\"" + std::string(T::kType) + "\"") != std::string::npos);
}

}  // namespace

TEST_CASE("the doc parser reads names, not their descriptions", "[api][docs]") {
  auto row =
      cells(R"md(| `run` | `image`, `env` [K=V, `--env`], `ip` (`--ip`; "a (b)"), `rm` | `x` |)md");
  REQUIRE(row.size() == 3);
  CHECK(code_spans(row[1], true) == std::vector<std::string>{"image", "env", "ip", "rm"});
  CHECK(cells(R"(| a \| b | c |)") == std::vector<std::string>{"a | b", "c"});
  CHECK(words("`{results:[{name,exit_code}]}`") ==
        std::set<std::string>{"results", "name", "exit_code"});
  CHECK(shown_fields(R"(- `{"type":"exit","exit_code":N[,"message":TEXT]}`, `{"type":"x","y":1}`)",
                     "exit") == std::set<std::string>{"exit_code", "message"});
  CHECK(shown_fields(R"(`{"type":"output","stream":"stdout"|"stderr","len":N}`)", "output") ==
        std::set<std::string>{"stream", "len"});
}

TEST_CASE("docs/protocol.md has a row for every op with exactly its request's fields",
          "[api][docs]") {
  auto rows = request_rows(read_doc());
  for (auto& op : api::protocol_schema()) {
    INFO("op \"" << op.op << "\"");
    auto row = rows.find(op.op);
    REQUIRE(row != rows.end());
    auto& named = row->second.fields;
    CHECK(std::set<std::string>(named.begin(), named.end()).size() == named.size());
    CHECK(std::set<std::string>(named.begin(), named.end()) ==
          std::set<std::string>(op.fields.begin(), op.fields.end()));
  }
}

TEST_CASE("docs/protocol.md names every field of each op's final result", "[api][docs]") {
  auto rows = request_rows(read_doc());
  auto results = result_fields();
  for (auto& op : api::protocol_schema()) {
    INFO("op \"" << op.op << "\"");
    auto row = rows.find(op.op);
    REQUIRE(row != rows.end());
    std::set<std::string> shown;
    for (auto& span : code_spans(row->second.final_reply)) {
      auto w = words(span);
      shown.insert(w.begin(), w.end());
    }
    // The schema's own list is the top level of what result_fields() walks.
    for (auto& field : op.reply_fields) CHECK(results[op.op].count(field) == 1);
    for (auto& field : results[op.op]) {
      INFO("result field \"" << field << "\"");
      CHECK(shown.count(field) == 1);
    }
  }
}

TEST_CASE("docs/protocol.md names no op the protocol lacks", "[api][docs]") {
  std::set<std::string> ops;
  for (auto& op : api::protocol_schema()) ops.insert(op.op);
  for (auto& [op, row] : request_rows(read_doc())) {
    INFO("row for \"" << op << "\"");
    CHECK(ops.count(op) == 1);
  }
}

TEST_CASE("docs/protocol.md shows each reply message with exactly its fields", "[api][docs]") {
  auto replies = section(read_doc(), "Replies");
  check_reply_shown<api::Hello>(replies);
  check_reply_shown<api::Error>(replies);
  check_reply_shown<api::Output>(replies);
  check_reply_shown<api::Notice>(replies);
  check_reply_shown<api::Created>(replies);
  check_reply_shown<api::Started>(replies);
  check_reply_shown<api::Exit>(replies);
  check_reply_shown<api::StatusLine>(replies);
  check_reply_shown<api::Progress>(replies);
}
