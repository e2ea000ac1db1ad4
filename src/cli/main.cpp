// asupctl: Docker's commands and flags, talking to asupd over its control FIFO.
#include <CLI/CLI.hpp>

#include "cli/common.hpp"

int main(int argc, char** argv) {
  asup::cli::Cli cli;
  cli.run_root = asup::control::default_run_root();
  CLI::App app{"asupctl: run and manage containers through asupd"};
  app.name("asupctl");
  app.add_option("--run-root", cli.run_root,
                 "asupd's run root (default $ASUP_RUN_ROOT or /run/asup)");
  app.require_subcommand(1);
  using namespace asup::cli;
  for (auto add :
       {add_run, add_create, add_start, add_ps, add_inspect, add_logs, add_exec, add_stop,
        add_restart, add_kill, add_pause, add_unpause, add_rename, add_update, add_rm, add_wait})
    add(app, cli);
  for (auto add : {add_load, add_import, add_images, add_rmi, add_pull, add_login}) add(app, cli);
  for (auto add : {add_tag, add_save, add_image, add_port, add_network, add_attach}) add(app, cli);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Docker exits 125 for bad flags to run; 1 elsewhere would differ by command. A bad
    // flag never reaches the daemon.
    std::fprintf(stderr, "asupctl: %s\nSee 'asupctl --help'.\n", e.what());
    return 125;
  }
  if (!cli.action) return 125;
  return cli.action();
}
