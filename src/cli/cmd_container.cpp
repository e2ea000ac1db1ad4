// asupctl container COMMAND: Docker's management command for containers, every container
// command under its group name (ls/list/ps for ps, rm/remove for rm).
#include "cli/common.hpp"

namespace asup::cli {

void add_container(CLI::App& app, Cli& cli) {
  auto* group = app.add_subcommand("container", "Manage containers");
  group->require_subcommand(1);
  for (auto add : {add_run, add_create, add_start, add_restart, add_stop, add_kill, add_pause,
                   add_unpause, add_rename, add_update, add_top, add_diff, add_inspect, add_logs,
                   add_exec, add_wait, add_port, add_attach})
    add(*group, cli);
  add_ps(*group, cli);
  group->get_subcommand("ps")->name("ls")->alias("list")->alias("ps");
  add_rm(*group, cli);
  group->get_subcommand("rm")->alias("remove");
}

}  // namespace asup::cli
