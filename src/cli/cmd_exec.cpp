// asupctl exec [-i] [-t] [-e] [-w] [-u] CONTAINER CMD...: runs in every namespace and the
// cgroup of the container, on the caller's own stdio or, with -t, on a terminal of its own
// in the container; exits with the command's code.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/attached_session.hpp"
#include "cli/common.hpp"
#include "term/detach_keys.hpp"
#include "term/terminal.hpp"

namespace asup::cli {
namespace {

// Sends the exec request and follows the command to its exit.
int run_exec(Cli& cli, const api::ExecRequest& req, const std::string& detach_keys) {
  auto client = open_session(cli, req);
  if (!client) return report_error(client.error().message, 125);
  auto& c = client.value();
  AttachedSession session(c, detach_keys);
  auto code = session.follow<api::Started>([&](const api::Started& started) -> std::optional<int> {
    // Only a command with a terminal of its own has keys and sizes to relay; without one it
    // uses our stdio itself.
    if (!started.exec) return std::nullopt;
    if (auto reached = session.reached(req.id, true, {req.interactive, false}, started.exec);
        !reached)
      return report_error(reached.error().describe(), 125);
    return std::nullopt;
  });
  if (!code) return report_error(code.error().message, code.error().exit);
  return code.value();
}

}  // namespace

void add_exec(CLI::App& app, Cli& cli) {
  struct Flags {
    bool interactive = false, tty = false;
    std::vector<std::string> env;
    std::string workdir, user;
    std::string detach_keys{term::kDefaultDetachKeys};
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("exec", "Run a command in a running container");
  cmd->prefix_command();
  cmd->add_flag("-i,--interactive", f->interactive, "Keep stdin open");
  cmd->add_flag("-t,--tty", f->tty, "Allocate a pseudo-TTY");
  cmd->add_option("--detach-keys", f->detach_keys,
                  "Override the key sequence for detaching (default ctrl-p,ctrl-q)");
  cmd->add_option("-e,--env", f->env, "Set environment variables")->allow_extra_args(false);
  cmd->add_option("-w,--workdir", f->workdir, "Working directory inside the container");
  cmd->add_option("-u,--user", f->user, "user[:group] or uid[:gid]");
  cmd->callback([cmd, f, &cli] {
    cli.action = [cmd, f, &cli] {
      auto args = cmd->remaining();
      if (args.size() < 2)
        return report_error("\"exec\" requires at least 2 arguments: CONTAINER COMMAND...", 1);
      api::ExecRequest req;
      req.id = args[0];
      req.cmd.assign(args.begin() + 1, args.end());
      for (auto& e : f->env) add_env_entry(req.env, e);
      if (!f->workdir.empty()) req.workdir = f->workdir;
      if (!f->user.empty()) req.user = f->user;
      req.interactive = f->interactive;
      req.tty = f->tty;
      if (f->tty && f->interactive && !::isatty(0))
        return report_error("the input device is not a TTY", 1);
      auto keys = term::parse_detach_keys(f->detach_keys);
      if (!keys) return report_error(keys.error().message, 125);
      if (f->tty) {
        if (auto size = client_window_size()) {
          req.tty_rows = size->rows;
          req.tty_cols = size->cols;
        }
      }
      return run_exec(cli, req, keys.value());
    };
  });
}

}  // namespace asup::cli
