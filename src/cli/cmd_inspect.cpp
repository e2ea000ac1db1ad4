// asupctl inspect ID...: Docker's JSON array; exit 1 if any was not found.
#include "cli/common.hpp"

namespace asup::cli {

void add_inspect(CLI::App& app, Cli& cli) {
  auto ids = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("inspect", "Display detailed information on containers");
  cmd->add_option("CONTAINER", *ids, "Container name or id")->required();
  cmd->callback([ids, &cli] {
    cli.action = [ids, &cli] {
      auto reply = call(cli, {{"op", "inspect"}, {"ids", *ids}});
      if (!reply) return report_error(reply.error().describe(), 1);
      return print_inspect(reply.value());
    };
  });
}

}  // namespace asup::cli
