// asupctl kill [-s SIGNAL] CONTAINER...
#include "cli/common.hpp"

namespace asup::cli {

void add_kill(CLI::App& app, Cli& cli) {
  auto ids = std::make_shared<std::vector<std::string>>();
  auto sig = std::make_shared<std::string>("KILL");
  auto* cmd = app.add_subcommand("kill", "Kill one or more running containers");
  cmd->add_option("-s,--signal", *sig, "Signal to send")->capture_default_str();
  cmd->add_option("CONTAINER", *ids, "Container name or id")->required();
  cmd->callback([ids, sig, &cli] {
    cli.action = [ids, sig, &cli] {
      api::KillRequest req;
      req.ids = *ids;
      req.signal = *sig;
      return request(cli, req, [](auto& reply) { return print_results(reply); });
    };
  });
}

}  // namespace asup::cli
