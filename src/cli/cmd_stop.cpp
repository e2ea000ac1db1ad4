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
      api::StopRequest req;
      req.ids = *ids;
      req.timeout = *timeout;
      return request(cli, req, [](auto& reply) { return print_results(reply); });
    };
  });
}

}  // namespace asup::cli
