// asupctl: Docker's commands and flags, talking to asupd over its control FIFO.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/common.hpp"

namespace {

using namespace asup::cli;

// The deepest subcommand the command line reached ("image ls" → "image ls").
std::string command_path(CLI::App& app) {
  std::string path;
  CLI::App* at = &app;
  for (;;) {
    auto chosen = at->get_subcommands();
    if (chosen.empty()) return path;
    at = chosen.front();
    path += (path.empty() ? "" : " ") + at->get_name();
  }
}

// `help [COMMAND...]`: what --help prints, for the app or the command named.
void add_help(CLI::App& app, Cli& cli) {
  auto words = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("help", "Help about any command");
  cmd->add_option("COMMAND", *words, "The command to describe");
  cmd->callback([&app, &cli, words] {
    cli.action = [&app, words] {
      CLI::App* at = &app;
      for (auto& w : *words) {
        CLI::App* next = nullptr;
        try {
          next = at->get_subcommand(w);
        } catch (const CLI::OptionNotFound&) {
        }
        if (!next) return report_error("unknown help topic: " + w, 1);
        at = next;
      }
      std::fputs(at->help().c_str(), stdout);
      return 0;
    };
  });
}

// A parse error in Docker's words: an undeclared flag is "unknown flag"; the rest keep the
// parser's text. Either way exit 125, and the daemon is never asked.
int parse_failure(CLI::App& app, const CLI::ParseError& e) {
  const std::string what = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    // CLI11 lists the extras last one first: the first one the user typed ends the text.
    auto space = what.rfind(' ');
    std::string first = space == std::string::npos ? "" : what.substr(space + 1);
    if (first.size() > 1 && first[0] == '-') return unknown_flag(command_path(app), first);
  }
  std::string command = command_path(app);
  std::fprintf(stderr, "asupctl: %s\nSee 'asupctl%s%s --help'.\n", what.c_str(),
               command.empty() ? "" : " ", command.c_str());
  return 125;
}

}  // namespace

int main(int argc, char** argv) {
  Cli cli;
  cli.run_root = asup::control::default_run_root();
  CLI::App app{"asupctl: run and manage containers through asupd"};
  app.name("asupctl");
  app.add_option("--run-root", cli.run_root,
                 "asupd's run root (default $ASUP_RUN_ROOT or /run/asup)");
  app.set_version_flag("-v,--version", std::string("asupctl version ") + ASUP_VERSION,
                       "Print version information and quit");
  app.require_subcommand(1);
  for (auto add :
       {add_run, add_create, add_start, add_ps, add_inspect, add_logs, add_exec, add_stop,
        add_restart, add_kill, add_pause, add_unpause, add_rename, add_update, add_rm, add_wait})
    add(app, cli);
  for (auto add : {add_load, add_import, add_images, add_rmi, add_pull, add_login}) add(app, cli);
  for (auto add : {add_tag, add_save, add_image, add_port, add_network, add_attach, add_version})
    add(app, cli);
  add_volume(app, cli);
  add_top(app, cli);
  add_diff(app, cli);
  add_container(app, cli);
  add_help(app, cli);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return parse_failure(app, e);
  }
  if (!cli.action) return 125;
  return cli.action();
}
