// asupctl attach [--no-stdin] [--sig-proxy] [--detach-keys KEYS] CONTAINER: the container's
// live output from now on, keys to its terminal or stdin, and its exit code; the detach keys
// leave it running.
#include "cli/attached_session.hpp"
#include "cli/common.hpp"
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
  api::AttachRequest req;
  req.id = f.container;
  auto client = open_session(cli, req);
  if (!client) return report_error(client.error().message, 1);
  auto& c = client.value();
  AttachedSession session(c, keys.value());
  auto code = session.follow<api::Attached>([&](const api::Attached& attached) {
    // Docker proxies signals only to a container without a terminal: with one, the keys
    // that make signals travel as keys.
    return session.attached(attached, {!f.no_stdin, f.sig_proxy && !attached.tty});
  });
  if (!code) return report_error(code.error().message, code.error().exit);
  return code.value();
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
