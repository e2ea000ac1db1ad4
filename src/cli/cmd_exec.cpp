// asupctl exec [-i] [-e] [-w] [-u] CONTAINER CMD...: runs in every namespace and the cgroup
// of the container, on the caller's own stdio; exits with the command's code.
#include <cstdio>
#include <cstdlib>

#include "cli/common.hpp"

namespace asup::cli {

void add_exec(CLI::App& app, Cli& cli) {
  struct Flags {
    bool interactive = false, tty = false;
    std::vector<std::string> env;
    std::string workdir, user;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("exec", "Run a command in a running container");
  cmd->prefix_command();
  cmd->add_flag("-i,--interactive", f->interactive, "Keep stdin open");
  cmd->add_flag("-t,--tty", f->tty, "Accepted for compatibility (no pseudo-terminal)");
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
      auto exit = call(cli, req);
      if (!exit) return report_error(exit.error().message, exit.error().exit);
      return finish_exit(exit.value());
    };
  });
}

}  // namespace asup::cli
