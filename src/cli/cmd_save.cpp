// asupctl save [-o FILE] IMAGE...: an OCI image layout tar (with docker save's
// manifest.json) to FILE or stdout. asupd writes it: as root on this host it reaches our
// stdout through /proc, as `load` reads our stdin.
#include <unistd.h>

#include "cli/common.hpp"
#include "core/fs.hpp"

namespace asup::cli {

void add_save(CLI::App& app, Cli& cli) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("save", "Save one or more images to a tar archive");
  cmd->add_option("-o,--output", *output, "Write to a file, instead of STDOUT");
  cmd->add_option("IMAGE", *names, "Image reference or id; a repository saves all its tags")
      ->required();
  cmd->callback([names, output, &cli] {
    cli.action = [names, output, &cli] {
      std::string path;
      bool in_place = output->empty();
      if (in_place) {
        if (::isatty(1))
          return report_error(
              "cowardly refusing to save to a terminal. Use the -o flag or redirect", 1);
        path = "/proc/" + std::to_string(::getpid()) + "/fd/1";
      } else {
        path = fs::absolute(*output);
      }
      api::SaveRequest req;
      req.images = *names;
      req.path = path;
      req.in_place = in_place;
      return request(cli, req);
    };
  });
}

}  // namespace asup::cli
