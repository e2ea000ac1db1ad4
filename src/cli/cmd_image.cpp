// asupctl image COMMAND: Docker's management command for images. ls and rm are images and
// rmi under their group names; inspect and prune exist only here; the others as at the top.
#include "cli/common.hpp"

namespace asup::cli {

void add_image(CLI::App& app, Cli& cli) {
  auto* group = app.add_subcommand("image", "Manage images");
  group->require_subcommand(1);
  add_images(*group, cli);
  group->get_subcommand("images")->name("ls")->alias("list");
  add_rmi(*group, cli);
  group->get_subcommand("rmi")->name("rm")->alias("remove");
  for (auto add :
       {add_image_inspect, add_image_prune, add_tag, add_save, add_load, add_import, add_pull})
    add(*group, cli);
}

}  // namespace asup::cli
