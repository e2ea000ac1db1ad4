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
      auto reply = call(cli, {{"op", "kill"}, {"ids", *ids}, {"signal", *sig}});
      if (!reply) return report_error(reply.error().describe(), 1);
      return print_results(reply.value(), [](auto& item) { return item.value("name", ""); });
    };
  });
}

}  // namespace asup::cli
