#include "cli/inspect_format.hpp"

#include <cstdio>

#include "template/template.hpp"

namespace asup::cli {

void add_inspect_format(CLI::App& cmd, InspectFlags& flags) {
  cmd.add_option("-f,--format", flags.format,
                 "Format output using a custom template: 'json' prints in JSON format, or a Go "
                 "template such as '{{.State.ExitCode}}'");
}

int print_inspect_format(const std::string& format, const api::InspectResult& reply) {
  std::string out;
  std::vector<std::string> template_errors;
  if (format.empty() || format == "json") {
    nlohmann::json items(reply.items);
    out = (format.empty() ? items.dump(4) : items.dump()) + "\n";
  } else {
    auto parsed = tmpl::Template::parse(format);
    if (!parsed) return report_error("template parsing error: " + parsed.error().message, 64);
    // Docker runs the template on the object's JSON when its own type lacks a field:
    // then a missing top-level key is an error, a missing key in a map below "<no value>".
    tmpl::Options options;
    options.missing_key_error = true;
    for (const auto& item : reply.items) {
      std::string line;
      auto done = parsed.value().execute(item, line, options);
      if (!done) {
        template_errors.push_back("template parsing error: " + done.error().message);
        continue;
      }
      out += line + "\n";
    }
    if (out.empty()) out = "\n";
  }
  write_all(1, out);
  for (const auto& e : reply.errors) std::fprintf(stderr, "Error: %s\n", e.c_str());
  for (const auto& e : template_errors) std::fprintf(stderr, "%s\n", e.c_str());
  return reply.errors.empty() && template_errors.empty() ? 0 : 1;
}

}  // namespace asup::cli
