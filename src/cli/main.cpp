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
  for (auto add :
       {asup::cli::add_run, asup::cli::add_create, asup::cli::add_ps, asup::cli::add_inspect,
        asup::cli::add_logs, asup::cli::add_exec, asup::cli::add_stop, asup::cli::add_kill,
        asup::cli::add_rm, asup::cli::add_wait, asup::cli::add_load, asup::cli::add_import,
        asup::cli::add_images, asup::cli::add_rmi, asup::cli::add_pull, asup::cli::add_login})
    add(app, cli);
  for (auto add : {asup::cli::add_tag, asup::cli::add_save, asup::cli::add_image,
                   asup::cli::add_port, asup::cli::add_network, asup::cli::add_attach})
    add(app, cli);
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
