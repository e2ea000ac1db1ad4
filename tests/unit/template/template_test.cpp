#include <catch2/catch.hpp>

#include "template/tabwriter.hpp"
#include "template/template.hpp"

using asup::tmpl::Options;
using asup::tmpl::Template;
using nlohmann::json;

namespace {

const json kData = json::parse(R"({
  "Name": "web",
  "Id": "0123456789abcdef",
  "Count": 3,
  "Zero": 0,
  "Ratio": 1.5,
  "Big": 1000000.0,
  "Empty": "",
  "Null": null,
  "Running": true,
  "Args": ["sh", "-c", "echo hi"],
  "None": [],
  "Labels": {"com.example.team": "blue", "tier": "front"},
  "State": {"ExitCode": 137, "Status": "exited", "Health": null},
  "Networks": {"bridge": {"IPAddress": "10.88.0.2"}, "back": {"IPAddress": "10.89.0.5"}}
})");

std::string render(const std::string& text, const json& data = kData, const Options& o = {}) {
  auto t = Template::parse(text);
  if (!t) return "PARSE: " + t.error().message;
  auto out = t.value().render(data, o);
  if (!out) return "EXEC: " + out.error().message;
  return out.value();
}

}  // namespace

TEST_CASE("template: text, fields and nested fields", "[template]") {
  CHECK(render("plain text") == "plain text");
  CHECK(render("{{.Name}}") == "web");
  CHECK(render("name={{.Name}} code={{.State.ExitCode}}") == "name=web code=137");
  CHECK(render("{{.Count}} {{.Ratio}} {{.Running}}") == "3 1.5 true");
  CHECK(render("{{.Big}}") == "1e+06");
  CHECK(render("{{.Args}}") == "[sh -c echo hi]");
  CHECK(render("{{.Labels}}") == "map[com.example.team:blue tier:front]");
  CHECK(render("{{.}}", json("x")) == "x");
}

TEST_CASE("template: a map's missing key prints <no value> and null prints <nil>", "[template]") {
  CHECK(render("{{.Nope}}") == "<no value>");
  CHECK(render("{{.Nope.Deeper}}") == "<no value>");
  CHECK(render("{{.Labels.missing}}") == "<no value>");
  CHECK(render("{{.State.Health}}") == "<nil>");
  CHECK(render("{{.State.Health.Status}}") ==
        "EXEC: template: :1:2: executing \"\" at <.State.Health.Status>: nil pointer evaluating "
        "interface {}.Status");
  CHECK(render("{{.Name.First}}") ==
        "EXEC: template: :1:2: executing \"\" at <.Name.First>: can't evaluate field First in "
        "type string");
}

TEST_CASE("template: a strict root's unknown field is Go's struct error", "[template]") {
  Options o;
  o.strict_type = "*formatter.ContainerContext";
  CHECK(render("{{.Name}}", kData, o) == "web");
  CHECK(render("x {{.Nope}}", kData, o) ==
        "EXEC: template: :1:4: executing \"\" at <.Nope>: can't evaluate field Nope in type "
        "*formatter.ContainerContext");
  // Only the root is a struct: maps below it are lenient.
  CHECK(render("{{.Labels.nope}}", kData, o) == "<no value>");
}

TEST_CASE("template: methods with arguments", "[template]") {
  Options o;
  o.methods["Label"] = [](const std::vector<asup::tmpl::Value>& args) -> asup::Result<json> {
    if (args.size() != 1 || !args[0].json.is_string()) return asup::fail("want one name");
    auto& labels = kData["Labels"];
    auto it = labels.find(args[0].json.get<std::string>());
    return it == labels.end() ? json("") : *it;
  };
  CHECK(render("{{.Label \"tier\"}}|{{.Label \"x\"}}", kData, o) == "front|");
  CHECK(render("{{\"tier\" | .Label}}", kData, o) == "front");
  CHECK(render("{{.Name \"x\"}}") ==
        "EXEC: template: :1:2: executing \"\" at <.Name>: Name is not a method but has arguments");
}

TEST_CASE("template: json and Docker's text functions", "[template]") {
  CHECK(render("{{json .Labels}}") == R"({"com.example.team":"blue","tier":"front"})");
  CHECK(render("{{json .Name}}") == "\"web\"");
  CHECK(render("{{json .Nope}}") == "null");
  CHECK(render("{{json .}}", json::parse(R"({"a":"<&>"})")) == R"({"a":"<&>"})");
  CHECK(render("{{join .Args \",\"}}") == "sh,-c,echo hi");
  CHECK(render("{{split \"a:b:c\" \":\"}}") == "[a b c]");
  CHECK(render("{{index (split \"a:b:c\" \":\") 1}}") == "b");
  CHECK(render("{{upper .Name}} {{lower \"MiXeD\"}} {{title \"hello big-world\"}}") ==
        "WEB mixed Hello Big-World");
  CHECK(render("[{{pad .Name 2 1}}][{{pad .Empty 2 1}}]") == "[  web ][]");
  CHECK(render("{{truncate .Id 5}} {{truncate .Name 10}}") == "01234 web");
  CHECK(render("{{.Name | upper}}") == "WEB");
  CHECK(render("{{.Args | len}}") == "3");
}

TEST_CASE("template: Go's built-ins", "[template]") {
  CHECK(render("{{len .Name}} {{len .Labels}} {{len .None}}") == "3 2 0");
  CHECK(render("{{index .Labels \"tier\"}} {{index .Args 2}}") == "front echo hi");
  CHECK(render("{{index .Labels \"nope\"}}") == "<no value>");
  CHECK(render("{{index .Args 5}}") ==
        "EXEC: template: :1:2: executing \"\" at <index .Args 5>: error calling index: index "
        "out of range: 5");
  CHECK(render("{{slice .Name 1}} {{slice .Args 0 1}}") == "eb [sh]");
  // Sprint: a space between operands only where neither is a string.
  CHECK(render("{{print 1 2 \"a\" \"b\" 3}}") == "1 2ab3");
  CHECK(render("{{println .Name .Count}}") == "web 3\n");
  CHECK(render("{{not .Running}} {{not .Empty}}") == "false true");
  CHECK(render("{{and .Name .Count}} {{and .Name .Zero .Count}} {{or .Empty .Zero .Name}}") ==
        "3 0 web");
  CHECK(render("{{or .Empty .Zero}}") == "0");
  CHECK(render("{{eq .Name \"web\"}} {{eq .Name \"a\" \"web\"}} {{ne .Count 3}}") ==
        "true true false");
  CHECK(render("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2.5}}") ==
        "true true true false");
  CHECK(render("{{eq .Count \"3\"}}") ==
        "EXEC: template: :1:2: executing \"\" at <eq .Count \"3\">: error calling eq: "
        "incompatible types for comparison");
  CHECK(render("{{eq .Nope \"x\"}}") == "false");
}

TEST_CASE("template: printf", "[template]") {
  CHECK(render("{{printf \"%s=%d\" .Name .Count}}") == "web=3");
  CHECK(render("{{printf \"[%-6s][%6s]\" .Name .Name}}") == "[web   ][   web]");
  CHECK(render("{{printf \"%q %v %v\" .Name .Args .Running}}") == "\"web\" [sh -c echo hi] true");
  CHECK(render("{{printf \"%05d|%x|%X|%o|%t\" 42 255 255 8 true}}") == "00042|ff|FF|10|true");
  CHECK(render("{{printf \"%.2f %e %g\" .Ratio .Ratio .Ratio}}") == "1.50 1.500000e+00 1.5");
  CHECK(render("{{printf \"%.3s\" .Id}}") == "012");
  CHECK(render("{{printf \"%d\" .Name}}") == "%!d(string=web)");
  CHECK(render("{{printf \"%s %s\" .Name}}") == "web %!s(MISSING)");
  CHECK(render("{{printf \"%s\" .Name 1}}") == "web%!(EXTRA int=1)");
  CHECK(render("{{printf \"%d%%\" 5}}") == "5%");
  CHECK(render("{{printf \"%*d\" 4 7}}") == "   7");
  CHECK(render("{{.Name | printf \"<%s>\"}}") == "<web>");
}

TEST_CASE("template: if, else if, else and truth", "[template]") {
  CHECK(render("{{if .Running}}up{{else}}down{{end}}") == "up");
  CHECK(render("{{if .Empty}}a{{else if .Zero}}b{{else if .None}}c{{else}}d{{end}}") == "d");
  CHECK(render("{{if .Null}}a{{else if .Nope}}b{{else if .Count}}c{{end}}") == "c");
  CHECK(render("{{if eq .State.Status \"exited\"}}gone ({{.State.ExitCode}}){{end}}") ==
        "gone (137)");
  CHECK(render("{{if and .Running (gt .Count 2)}}many{{end}}") == "many");
  CHECK(render("{{with .State}}{{.Status}}{{end}}|{{with .Empty}}x{{else}}none{{end}}") ==
        "exited|none");
}

TEST_CASE("template: range and variables", "[template]") {
  CHECK(render("{{range .Args}}[{{.}}]{{end}}") == "[sh][-c][echo hi]");
  CHECK(render("{{range $i, $a := .Args}}{{$i}}={{$a}} {{end}}") == "0=sh 1=-c 2=echo hi ");
  CHECK(render("{{range $a := .Args}}{{$a}};{{end}}") == "sh;-c;echo hi;");
  CHECK(render("{{range $k, $v := .Labels}}{{$k}}:{{$v}},{{end}}") ==
        "com.example.team:blue,tier:front,");
  CHECK(render("{{range .Networks}}{{.IPAddress}} {{end}}") == "10.89.0.5 10.88.0.2 ");
  CHECK(render("{{range .None}}x{{else}}empty{{end}}") == "empty");
  CHECK(render("{{range .Nope}}x{{end}}.") == ".");
  CHECK(render("{{range 3}}{{.}}{{end}}") == "012");
  CHECK(render("{{range .Args}}{{if eq . \"-c\"}}{{break}}{{end}}{{.}}{{end}}") == "sh");
  CHECK(render("{{range .Args}}{{if eq . \"-c\"}}{{continue}}{{end}}{{.}}{{end}}") == "shecho hi");
  CHECK(render("{{$n := .Name}}{{range .Args}}{{$n}}{{end}}") == "webwebweb");
  CHECK(render("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}") == "2");
  CHECK(render("{{range .Args}}{{$.Name}}{{end}}") == "webwebweb");
  CHECK(render("{{$s := .State}}{{$s.ExitCode}}") == "137");
  CHECK(render("{{(index .Networks \"bridge\").IPAddress}}") == "10.88.0.2");
  CHECK(render("{{range .Name}}{{end}}") ==
        "EXEC: template: :1:8: executing \"\" at <.Name>: range can't iterate over web");
}

TEST_CASE("template: trim markers and comments", "[template]") {
  CHECK(render("a  {{- .Name -}}  b") == "awebb");
  CHECK(render("a\n{{- /* note */ -}}\nb") == "ab");
  CHECK(render("{{/* only a comment */}}x") == "x");
  CHECK(render("{{-3}}") == "-3");
  CHECK(render("{{range .Args -}}\n  {{.}}\n{{- end}}") == "sh-cecho hi");
}

TEST_CASE("template: literals", "[template]") {
  CHECK(render("{{\"a\\tb\"}}|{{`raw\\n`}}|{{'a'}}|{{0x1F}}|{{1_000}}|{{2.50}}|{{true}}") ==
        "a\tb|raw\\n|97|31|1000|2.5|true");
}

TEST_CASE("template: parse errors read as Go's", "[template]") {
  CHECK(render("{{foo .Name}}") == "PARSE: template: :1: function \"foo\" not defined");
  CHECK(render("{{.Name") == "PARSE: template: :1: unclosed action");
  CHECK(render("{{if .Name}}x") == "PARSE: template: :1: unexpected EOF");
  CHECK(render("x{{end}}") == "PARSE: template: :1: unexpected {{end}}");
  CHECK(render("{{$x}}") == "PARSE: template: :1: undefined variable \"$x\"");
  CHECK(render("{{\"abc}}") == "PARSE: template: :1: unterminated quoted string");
  CHECK(render("a\n{{.A | 3}}") ==
        "PARSE: template: :2: non executable command in pipeline stage 2");
  CHECK(render("{{break}}") == "PARSE: template: :1: {{break}} outside {{range}}");
  CHECK(render("{{}}") == "PARSE: template: :1: missing value for command");
  CHECK(render("{{if}}{{end}}") == "PARSE: template: :1: missing value for if");
  CHECK(render("{{#}}") == "PARSE: template: :1: bad character U+0023 '#'");
  CHECK(render("{{(.A}}") == "PARSE: template: :1: unclosed left paren");
}

TEST_CASE("template: execution errors read as Go's", "[template]") {
  CHECK(render("{{join .Name \",\"}}") ==
        "EXEC: template: :1:2: executing \"\" at <join .Name \",\">: wrong type for value; "
        "expected []string; got string");
  CHECK(render("{{upper}}") ==
        "EXEC: template: :1:2: executing \"\" at <upper>: wrong number of args for upper: want 1 "
        "got 0");
  CHECK(render("{{upper .Nope}}") ==
        "EXEC: template: :1:2: executing \"\" at <upper .Nope>: invalid value; expected string");
  CHECK(render("line\n  {{.Name 1}}") ==
        "EXEC: template: :2:4: executing \"\" at <.Name>: Name is not a method but has "
        "arguments");
  // What was written before the error stays written, as Go leaves it in the writer.
  auto t = Template::parse("a{{.Name}}b{{len 3}}c").value();
  std::string out;
  CHECK_FALSE(t.execute(kData, out));
  CHECK(out == "awebb");
}

TEST_CASE("template: header functions leave column names as they are", "[template]") {
  Options header;
  header.header = true;
  json names{{"Names", "NAMES"}, {"ID", "CONTAINER ID"}};
  CHECK(render("{{upper .Names}}\t{{lower .ID}}\t{{truncate .ID 3}}", names, header) ==
        "NAMES\tCONTAINER ID\tCONTAINER ID");
  CHECK(render("{{join .Names \",\"}}|{{split .Names \",\"}}|{{json .Names}}", names, header) ==
        "NAMES|NAMES|NAMES");
  CHECK(render("{{pad .Names 1 1}}", names, header) == " NAMES ");
}

TEST_CASE("tabwriter: Docker's columns (minwidth 10, padding 3)", "[template]") {
  using asup::tmpl::tabwrite;
  CHECK(tabwrite("CONTAINER ID\tIMAGE\tNAMES\n0123456789ab\tbusybox\tweb\n") ==
        "CONTAINER ID   IMAGE     NAMES\n"
        "0123456789ab   busybox   web\n");
  auto spaces = [](std::size_t n) { return std::string(n, ' '); };
  CHECK(tabwrite("A\tB\nlong value here\tx\n") ==
        "A" + spaces(17) + "B\nlong value here" + spaces(3) + "x\n");
  // Cells of contiguous lines only: a line without tabs ends the column.
  CHECK(tabwrite("a\tb\nplain\nlonger-cell\tc\n") ==
        "a" + spaces(9) + "b\nplain\nlonger-cell" + spaces(3) + "c\n");
  CHECK(tabwrite("no tabs at all") == "no tabs at all");
  CHECK(tabwrite("é\tx\n") == "é" + spaces(9) + "x\n");
}
