// asupctl exec [-i] [-t] [-e] [-w] [-u] CONTAINER CMD...: runs in every namespace and the
// cgroup of the container, on the caller's own stdio or, with -t, on a terminal of its own
// in the container; exits with the command's code.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/common.hpp"
#include "cli/terminal_session.hpp"
#include "term/detach_keys.hpp"
#include "term/terminal.hpp"

namespace asup::cli {
namespace {

// Sends the exec request and follows the command to its exit.
int run_exec(Cli& cli, const api::ExecRequest& req, const std::string& detach_keys) {
  auto client = connect(cli);
  if (!client) return report_error(client.error().describe(), 125);
  auto& c = client.value();
  if (auto sent = send(c, req); !sent) return report_error(sent.error().message, 125);
  std::unique_ptr<TerminalSession> terminal;
  for (;;) {
    auto reply = next_reply<OutputFrame, api::Started, api::Notice, api::Exit>(c);
    if (!reply) return report_error(reply.error().message, reply.error().exit);
    auto& message = reply.value();
    if (auto* output = std::get_if<OutputFrame>(&message)) {
      write_all(output->header.stream == "stderr" ? 2 : 1, output->bytes);
    } else if (auto* started = std::get_if<api::Started>(&message)) {
      if (!started->exec) continue;
      TerminalSession::Options options{req.id, true, req.interactive, detach_keys, started->exec};
      auto session = TerminalSession::start(c.request_fd(), std::move(options));
      if (!session) return report_error(session.error().describe(), 125);
      terminal = std::move(session).value();
    } else if (auto* exit = std::get_if<api::Exit>(&message)) {
      terminal.reset();
      return finish_exit(*exit);
    }
  }
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
        if (auto size = term::window_size(::isatty(0) ? 0 : 1)) {
          req.tty_rows = size->rows;
          req.tty_cols = size->cols;
        }
      }
      return run_exec(cli, req, keys.value());
    };
  });
}

}  // namespace asup::cli
