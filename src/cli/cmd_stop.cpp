// asupctl stop [-s SIGNAL] [-t SECS] CONTAINER...: the image's stop signal (or SIGTERM, or
// -s), then SIGKILL after -t seconds (0: at once; -1: never, the wait has no limit).
#include "cli/common.hpp"

namespace asup::cli {

void add_stop(CLI::App& app, Cli& cli) {
  auto ids = std::make_shared<std::vector<std::string>>();
  auto timeout = std::make_shared<int>(10);
  auto sig = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("stop", "Stop one or more running containers");
  cmd->add_option("-t,--time", *timeout, "Seconds to wait before killing it")
      ->capture_default_str();
  cmd->add_option("-s,--signal", *sig, "Signal to send to the container");
  cmd->add_option("CONTAINER", *ids, "Container name or id")->required();
  cmd->callback([ids, timeout, sig, &cli] {
    cli.action = [ids, timeout, sig, &cli] {
      api::StopRequest req;
      req.ids = *ids;
      req.timeout = *timeout;
      req.signal = *sig;
      return request(cli, req, [](auto& reply) { return print_results(reply); });
    };
  });
}

}  // namespace asup::cli
