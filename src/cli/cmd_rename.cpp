// asupctl rename CONTAINER NEW_NAME
#include <cstdio>

#include "cli/common.hpp"

namespace asup::cli {
namespace {

// Docker's words: the daemon's error, then which container was not renamed.
int rename_command(Cli& cli, const std::string& container, const std::string& new_name) {
  api::RenameRequest req;
  // Blanks around either name are dropped, as Docker drops them (Go's strings.TrimSpace).
  req.id = trim(container, " \t\r\n\v\f");
  req.name = trim(new_name, " \t\r\n\v\f");
  if (req.id.empty() || req.name.empty()) {
    std::fprintf(stderr, "Error: Neither old nor new names may be empty\n");
    return 1;
  }
  auto reply = call(cli, req);
  if (reply) return 0;
  std::fprintf(stderr, "Error response from daemon: %s\n", reply.error().message.c_str());
  std::fprintf(stderr, "Error: failed to rename container named %s\n", req.id.c_str());
  return 1;
}

}  // namespace

void add_rename(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  auto* cmd = app.add_subcommand("rename", "Rename a container");
  cmd->add_option("CONTAINER", args->first, "Container name or id")->required();
  cmd->add_option("NEW_NAME", args->second, "Its new name")->required();
  cmd->callback([args, &cli] {
    cli.action = [args, &cli] { return rename_command(cli, args->first, args->second); };
  });
}

}  // namespace asup::cli
