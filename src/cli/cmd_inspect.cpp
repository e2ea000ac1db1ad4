// asupctl inspect [-f FORMAT] ID...: Docker's JSON array, or a template per container;
// exit 1 if any was not found.
#include "cli/inspect_format.hpp"

namespace asup::cli {

void add_inspect(CLI::App& app, Cli& cli) {
  auto f = std::make_shared<InspectFlags>();
  auto* cmd = app.add_subcommand("inspect", "Display detailed information on containers");
  add_inspect_format(*cmd, *f);
  cmd->add_option("CONTAINER", f->names, "Container name or id")->required();
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      api::InspectRequest req;
      req.ids = f->names;
      return inspect_request(cli, req, *f);
    };
  });
}

}  // namespace asup::cli
