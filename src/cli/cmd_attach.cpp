// asupctl attach [--no-stdin] [--sig-proxy] [--detach-keys KEYS] CONTAINER: the container's
// live output from now on, keys to its terminal or stdin, and its exit code; the detach keys
// leave it running.
#include <unistd.h>

#include "cli/common.hpp"
#include "cli/signal_proxy.hpp"
#include "cli/terminal_session.hpp"
#include "term/detach_keys.hpp"

namespace asup::cli {
namespace {

struct AttachFlags {
  std::string container;
  bool no_stdin = false;
  bool sig_proxy = true;
  std::string detach_keys{term::kDefaultDetachKeys};
};

int attach_command(Cli& cli, const AttachFlags& f) {
  auto keys = term::parse_detach_keys(f.detach_keys);
  if (!keys) return report_error(keys.error().message, 1);
  auto client = connect(cli);
  if (!client) return report_error(client.error().describe(), 1);
  auto& c = client.value();
  api::AttachRequest req;
  req.id = f.container;
  if (auto sent = send(c, req); !sent) return report_error(sent.error().message, 1);
  std::unique_ptr<TerminalSession> terminal;
  for (;;) {
    auto reply = next_reply<OutputFrame, api::Attached, api::Notice, api::Exit>(c);
    if (!reply) return report_error(reply.error().message, reply.error().exit);
    auto& message = reply.value();
    if (auto* output = std::get_if<OutputFrame>(&message)) {
      write_all(output->header.stream == "stderr" ? 2 : 1, output->bytes);
    } else if (auto* attached = std::get_if<api::Attached>(&message)) {
      if (attached->tty && !f.no_stdin && !::isatty(0))
        return report_error("the input device is not a TTY", 1);
      // Docker proxies signals only to a container without a terminal: with one, the keys
      // that make signals travel as keys.
      if (f.sig_proxy && !attached->tty) forward_signals(attached->id, c.request_fd());
      TerminalSession::Options options{attached->id, attached->tty, !f.no_stdin, keys.value()};
      auto started = TerminalSession::start(c.request_fd(), std::move(options));
      if (!started) return report_error(started.error().describe(), 1);
      terminal = std::move(started).value();
    } else if (auto* exit = std::get_if<api::Exit>(&message)) {
      terminal.reset();
      return finish_exit(*exit);
    }
  }
}

}  // namespace

void add_attach(CLI::App& app, Cli& cli) {
  auto flags = std::make_shared<AttachFlags>();
  auto* cmd = app.add_subcommand(
      "attach", "Attach local standard input, output, and error streams to a running container");
  cmd->add_flag("--no-stdin", flags->no_stdin, "Do not attach STDIN");
  cmd->add_flag("--sig-proxy,!--no-sig-proxy", flags->sig_proxy,
                "Proxy all received signals to the process (default true)");
  cmd->add_option("--detach-keys", flags->detach_keys,
                  "Override the key sequence for detaching a container (default ctrl-p,ctrl-q)");
  cmd->add_option("CONTAINER", flags->container, "Container name or id")->required();
  cmd->callback(
      [flags, &cli] { cli.action = [flags, &cli] { return attach_command(cli, *flags); }; });
}

}  // namespace asup::cli
