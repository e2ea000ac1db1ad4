// -f/--format of the inspect commands (inspect, image inspect, network inspect, volume
// inspect): "" prints the items as Docker's indented JSON array, "json" as one compact
// array, anything else is a Go template (src/template) run on each item, a line each.
#pragma once

#include <string>
#include <vector>

#include "cli/common.hpp"

namespace asup::cli {

struct InspectFlags {
  std::vector<std::string> names;
  std::string format;
};

void add_inspect_format(CLI::App& cmd, InspectFlags& flags);

// Prints the reply as `format` asks, then each item that was not found ("Error: ...") and
// each template error on stderr. Exit code: 64 for a template that does not parse (Docker's
// code), 1 when an item failed or was missing, else 0.
int print_inspect_format(const std::string& format, const api::InspectResult& reply);

template <class R>
int inspect_request(Cli& cli, const R& req, const InspectFlags& flags) {
  return request(cli, req, [&flags](const api::InspectResult& reply) {
    return print_inspect_format(flags.format, reply);
  });
}

}  // namespace asup::cli
