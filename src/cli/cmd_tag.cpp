// asupctl tag SOURCE TARGET: SOURCE an image reference, id or id prefix; TARGET a
// reference (REPOSITORY[:TAG]). Prints nothing, like Docker.
#include "cli/common.hpp"

namespace asup::cli {

void add_tag(CLI::App& app, Cli& cli) {
  auto source = std::make_shared<std::string>();
  auto target = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE");
  cmd->add_option("SOURCE_IMAGE", *source, "Image reference or id")->required();
  cmd->add_option("TARGET_IMAGE", *target, "New reference: [REGISTRY/]REPOSITORY[:TAG]")
      ->required();
  cmd->callback([source, target, &cli] {
    cli.action = [source, target, &cli] {
      api::TagRequest req;
      req.source = *source;
      req.target = *target;
      return request(cli, req);
    };
  });
}

}  // namespace asup::cli
