// asupctl diff CONTAINER: what the container changed in its filesystem, Docker's "C /etc"
// lines.
#include <cstdio>

#include "cli/common.hpp"

namespace asup::cli {

void add_diff(CLI::App& app, Cli& cli) {
  auto id = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("diff",
                                 "Inspect changes to files or directories on a "
                                 "container's filesystem");
  cmd->add_option("CONTAINER", *id, "Container name or id")->required();
  cmd->callback([id, &cli] {
    cli.action = [id, &cli] {
      api::DiffRequest req;
      req.id = *id;
      auto reply = call(cli, req);
      if (!reply) {
        std::fprintf(stderr, "Error response from daemon: %s\n", reply.error().message.c_str());
        return 1;
      }
      static const char* kLetters[] = {"C", "A", "D"};
      for (auto& ch : reply.value().changes)
        std::printf("%s %s\n", ch.kind >= 0 && ch.kind <= 2 ? kLetters[ch.kind] : "?",
                    ch.path.c_str());
      return 0;
    };
  });
}

}  // namespace asup::cli
