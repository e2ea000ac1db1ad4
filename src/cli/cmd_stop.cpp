// asupctl stop [-s SIGNAL] [-t SECS] CONTAINER...: the container's stop signal (or SIGTERM,
// or -s), then SIGKILL after -t seconds (0: at once; -1: never, the wait has no limit).
// asupctl restart [-s SIGNAL] [-t SECS] CONTAINER...: the same stop, then a start (a
// stopped container is only started).
#include "cli/common.hpp"

namespace asup::cli {
namespace {

// stop and restart: the same flags and output, each its own request.
template <class Request>
void add_stopping(CLI::App& app, Cli& cli, const std::string& name,
                  const std::string& description) {
  auto ids = std::make_shared<std::vector<std::string>>();
  auto timeout = std::make_shared<std::int64_t>(0);
  auto sig = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(name, description);
  // Unset, the container's own --stop-timeout applies (else 10 s): sent only when given.
  auto* time =
      cmd->add_option("-t,--time", *timeout, "Seconds to wait before killing the container");
  cmd->add_option("-s,--signal", *sig, "Signal to send to the container");
  cmd->add_option("CONTAINER", *ids, "Container name or id")->required();
  cmd->callback([ids, timeout, sig, time, &cli] {
    cli.action = [ids, timeout, sig, time, &cli] {
      Request req;
      req.ids = *ids;
      if (time->count() > 0) req.timeout = *timeout;
      req.signal = *sig;
      return request(cli, req, [](auto& reply) { return print_results(reply); });
    };
  });
}

}  // namespace

void add_stop(CLI::App& app, Cli& cli) {
  add_stopping<api::StopRequest>(app, cli, "stop", "Stop one or more running containers");
}

void add_restart(CLI::App& app, Cli& cli) {
  add_stopping<api::RestartRequest>(app, cli, "restart", "Restart one or more containers");
}

}  // namespace asup::cli
