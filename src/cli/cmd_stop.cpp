// asupctl stop [-t SECS] CONTAINER...: the image's stop signal (or SIGTERM), then SIGKILL.
#include "cli/common.hpp"

namespace asup::cli {

void add_stop(CLI::App& app, Cli& cli) {
  auto ids = std::make_shared<std::vector<std::string>>();
  auto timeout = std::make_shared<int>(10);
  auto* cmd = app.add_subcommand("stop", "Stop one or more running containers");
  cmd->add_option("-t,--time", *timeout, "Seconds to wait before killing it")
      ->capture_default_str();
  cmd->add_option("CONTAINER", *ids, "Container name or id")->required();
  cmd->callback([ids, timeout, &cli] {
    cli.action = [ids, timeout, &cli] {
      auto reply = call(cli, {{"op", "stop"}, {"ids", *ids}, {"timeout", *timeout}});
      if (!reply) return report_error(reply.error().describe(), 1);
      return print_results(reply.value(), [](auto& item) { return item.value("name", ""); });
    };
  });
}

}  // namespace asup::cli
