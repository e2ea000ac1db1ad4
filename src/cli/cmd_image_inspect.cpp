// asupctl image inspect IMAGE...: Docker's JSON array; the ones found are printed even
// when others are not, which exits 1.
#include "cli/common.hpp"

namespace asup::cli {

void add_image_inspect(CLI::App& app, Cli& cli) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("inspect", "Display detailed information on one or more images");
  cmd->add_option("IMAGE", *names, "Image reference or id")->required();
  cmd->callback([names, &cli] {
    cli.action = [names, &cli] {
      api::ImageInspectRequest req;
      req.images = *names;
      return request(cli, req, print_inspect);
    };
  });
}

}  // namespace asup::cli
