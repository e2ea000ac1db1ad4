// asupctl pause CONTAINER..., asupctl unpause CONTAINER...: every process of each container
// frozen where it stands, or let run again.
#include "cli/common.hpp"

namespace asup::cli {
namespace {

// A command whose request names containers and nothing else; its output is stop's.
template <class Request>
void add_ids_command(CLI::App& app, Cli& cli, const std::string& name,
                     const std::string& description) {
  auto ids = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand(name, description);
  cmd->add_option("CONTAINER", *ids, "Container name or id")->required();
  cmd->callback([ids, &cli] {
    cli.action = [ids, &cli] {
      Request req;
      req.ids = *ids;
      return request(cli, req, [](auto& reply) { return print_results(reply); });
    };
  });
}

}  // namespace

void add_pause(CLI::App& app, Cli& cli) {
  add_ids_command<api::PauseRequest>(app, cli, "pause",
                                     "Pause all processes within one or more containers");
}

void add_unpause(CLI::App& app, Cli& cli) {
  add_ids_command<api::UnpauseRequest>(app, cli, "unpause",
                                       "Unpause all processes within one or more containers");
}

}  // namespace asup::cli
