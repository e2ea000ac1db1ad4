// asupctl image inspect [-f FORMAT] IMAGE...: Docker's JSON array, or a template per image;
// the ones found are printed even when others are not, which exits 1.
#include "cli/inspect_format.hpp"

namespace asup::cli {

void add_image_inspect(CLI::App& app, Cli& cli) {
  auto f = std::make_shared<InspectFlags>();
  auto* cmd = app.add_subcommand("inspect", "Display detailed information on one or more images");
  add_inspect_format(*cmd, *f);
  cmd->add_option("IMAGE", f->names, "Image reference or id")->required();
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      api::ImageInspectRequest req;
      req.images = f->names;
      return inspect_request(cli, req, *f);
    };
  });
}

}  // namespace asup::cli
