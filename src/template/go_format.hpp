// Go's fmt for JSON values: how a template prints what an action gives (%v), Go's type
// names in its messages, strconv.Quote, and printf's verbs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "template/template.hpp"

namespace asup::tmpl {

// fmt's %v: strings as they are, [a b] for lists, map[k:v] for objects, <nil> for null.
std::string go_sprint(const nlohmann::json& value);
// What an action prints: "<no value>" for a missing value, else %v.
std::string go_print(const Value& value);
// Go's name for the value's type: string, int, float64, bool, []interface {}, ...
std::string go_type(const Value& value);
// strconv.Quote: double-quoted with Go's escapes.
std::string go_quote(std::string_view s);
// encoding/json without HTML escaping, as Docker's `json` function.
std::string go_json(const Value& value);
// fmt.Sprintf over template values: %v %s %q %d %t %x %X %o %b %c %e %f %g %T %%, flags
// "-+# 0", width and precision (and *); Go's "%!d(string=x)" for a wrong argument.
std::string go_sprintf(std::string_view format, const std::vector<Value>& args);
// fmt.Sprint (spaces between operands when neither is a string) and fmt.Sprintln.
std::string go_sprint_all(const std::vector<Value>& args, bool line);
// The UTF-8 bytes of a code point.
std::string utf8_of(std::int64_t code_point);
// Go's truth: false, 0, "", null, a missing value and empty lists and maps are false.
bool go_truth(const Value& value);

}  // namespace asup::tmpl
