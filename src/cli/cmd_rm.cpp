// asupctl rm [-f] [-v] CONTAINER...
#include "cli/common.hpp"

namespace asup::cli {

void add_rm(CLI::App& app, Cli& cli) {
  auto ids = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto volumes = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("rm", "Remove one or more containers");
  cmd->add_flag("-f,--force", *force, "Kill and remove a running container");
  cmd->add_flag("-v,--volumes", *volumes, "Remove anonymous volumes associated with the container");
  cmd->add_option("CONTAINER", *ids, "Container name or id")->required();
  cmd->callback([ids, force, volumes, &cli] {
    cli.action = [ids, force, volumes, &cli] {
      api::RmRequest req;
      req.ids = *ids;
      req.force = *force;
      req.volumes = *volumes;
      return request(cli, req, [](auto& reply) { return print_results(reply); });
    };
  });
}

}  // namespace asup::cli
