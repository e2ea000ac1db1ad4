// asupctl rmi [-f] IMAGE...: refused while a container uses the image, unless -f.
#include <cstdio>

#include "cli/common.hpp"

namespace asup::cli {

void add_rmi(CLI::App& app, Cli& cli) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("rmi", "Remove one or more images");
  cmd->add_flag("-f,--force", *force, "Remove even if containers use the image");
  cmd->add_option("IMAGE", *names, "Image reference or id")->required();
  cmd->callback([names, force, &cli] {
    cli.action = [names, force, &cli] {
      api::RmiRequest req;
      req.images = *names;
      req.force = *force;
      auto reply = call(cli, req);
      if (!reply) return report_error(reply.error().message, 1);
      return print_results(reply.value(), [](const api::Outcome& item) {
        return item.lines.value_or(std::vector<std::string>{});
      });
    };
  });
}

}  // namespace asup::cli
