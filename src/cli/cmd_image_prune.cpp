// asupctl image prune [-a] [-f]: removes dangling images (-a: every image no container
// uses) and whatever the store holds that no image needs; asks first unless -f.
#include <cstdio>

#include "cli/common.hpp"

namespace asup::cli {

void add_image_prune(CLI::App& app, Cli& cli) {
  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("prune", "Remove unused images");
  cmd->add_flag("-a,--all", *all, "Remove all unused images, not just dangling ones");
  cmd->add_flag("-f,--force", *force, "Do not prompt for confirmation");
  cmd->callback([all, force, &cli] {
    cli.action = [all, force, &cli] {
      const char* warning =
          *all ? "WARNING! This will remove all images without at least one container "
                 "associated to them."
               : "WARNING! This will remove all dangling images.";
      std::string out;
      if (*force || confirm(warning)) {
        api::ImagePruneRequest req;
        req.all = *all;
        auto reply = call(cli, req);
        if (!reply) return report_error(reply.error().message, 1);
        auto& lines = reply.value().lines;
        if (!lines.empty()) {
          out += "Deleted Images:\n";
          // rmi's "Untagged: x" is prune's "untagged: x" in Docker.
          for (auto& line : lines)
            out += static_cast<char>(std::tolower(line[0])) + line.substr(1) + "\n";
          out += "\n";
        }
        out += "Total reclaimed space: " + human_size(reply.value().reclaimed) + "\n";
      } else {
        out += "Total reclaimed space: 0B\n";
      }
      std::fflush(stdout);
      write_all(1, out);
      return 0;
    };
  });
}

}  // namespace asup::cli
