// asupctl inspect ID...: Docker's JSON array; exit 1 if any was not found.
#include "cli/common.hpp"

namespace asup::cli {

void add_inspect(CLI::App& app, Cli& cli) {
  auto ids = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("inspect", "Display detailed information on containers");
  cmd->add_option("CONTAINER", *ids, "Container name or id")->required();
  cmd->callback([ids, &cli] {
    cli.action = [ids, &cli] {
      api::InspectRequest req;
      req.ids = *ids;
      return request(cli, req, print_inspect);
    };
  });
}

}  // namespace asup::cli
