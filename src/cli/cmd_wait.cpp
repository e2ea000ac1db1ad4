// asupctl wait CONTAINER...: blocks until each stops, prints its exit code.
#include "cli/common.hpp"

namespace asup::cli {

void add_wait(CLI::App& app, Cli& cli) {
  auto ids = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("wait", "Block until containers stop, then print exit codes");
  cmd->add_option("CONTAINER", *ids, "Container name or id")->required();
  cmd->callback([ids, &cli] {
    cli.action = [ids, &cli] {
      api::WaitRequest req;
      req.ids = *ids;
      auto reply = call(cli, req);
      if (!reply) return report_error(reply.error().message, 1);
      return print_results(reply.value(), [](const api::Outcome& item) {
        return std::vector{std::to_string(item.exit_code.value_or(0))};
      });
    };
  });
}

}  // namespace asup::cli
