// asupctl top CONTAINER [ps OPTIONS]: the container's processes as ps on the host shows
// them, in Docker's layout (its tabwriter: columns at least 20 wide, 3 blanks of padding).
#include <algorithm>
#include <cstdio>

#include "cli/common.hpp"

namespace asup::cli {
namespace {

void print_table(const api::TopResult& top) {
  std::vector<std::vector<std::string>> rows{top.titles};
  rows.insert(rows.end(), top.processes.begin(), top.processes.end());
  std::vector<std::size_t> width;
  for (auto& row : rows)
    for (std::size_t i = 0; i + 1 < row.size(); ++i) {
      if (width.size() <= i) width.resize(i + 1, 20);
      width[i] = std::max(width[i], row[i].size() + 3);
    }
  for (auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - row[i].size(), ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

}  // namespace

void add_top(CLI::App& app, Cli& cli) {
  auto* cmd = app.add_subcommand("top", "Display the running processes of a container");
  cmd->prefix_command();
  cmd->callback([cmd, &cli] {
    cli.action = [cmd, &cli] {
      auto args = cmd->remaining();
      if (args.empty()) return report_error("\"top\" requires at least 1 argument: CONTAINER", 1);
      api::TopRequest req;
      req.id = args[0];
      req.ps_args.assign(args.begin() + 1, args.end());
      auto reply = call(cli, req);
      if (!reply) {
        std::fprintf(stderr, "Error response from daemon: %s\n", reply.error().message.c_str());
        return 1;
      }
      print_table(reply.value());
      return 0;
    };
  });
}

}  // namespace asup::cli
