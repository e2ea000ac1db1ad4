// asupctl run: create and start a container; attached by default, exits with its code.
#include <unistd.h>

#include <cstdio>

#include "cli/attached_session.hpp"
#include "cli/common.hpp"
#include "cli/run_flags.hpp"
#include "term/detach_keys.hpp"

namespace asup::cli {
namespace {

// What only run has beside the flags it shares with create.
struct RunOnlyFlags {
  bool detach = false;
  bool sig_proxy = true;
  std::string detach_keys{term::kDefaultDetachKeys};
};

// Sends the run request and follows the container: to its exit, or with -d until it runs.
CallResult<int> run_once(Cli& cli, const api::RunRequest& req, const std::string& detach_keys,
                         bool sig_proxy, const std::vector<std::string>& streams, CidFile& cid) {
  auto client = open_session(cli, req);
  if (!client) return std::move(client).error();
  auto& c = client.value();
  AttachedSession session(c, detach_keys);
  session.show_only(streams);
  return session.follow<api::Created, api::IdResult>([&](auto& message) -> std::optional<int> {
    if constexpr (std::is_same_v<std::decay_t<decltype(message)>, api::Created>) {
      if (auto written = cid.write(message.id); !written)
        return report_error(written.error().describe(), 125);
      if (req.detach) return std::nullopt;
      // Without a terminal, -i needs no relay: asupd hands the container our own stdin.
      // Signals go as kill requests only without a terminal (Docker's --sig-proxy): with
      // one, the keys that make signals travel as keys.
      AttachedSession::Relay relay{req.tty && req.interactive, sig_proxy && !req.tty};
      if (auto reached = session.reached(message.id, req.tty, relay); !reached)
        return report_error(reached.error().describe(), 125);
      return std::nullopt;
    } else {
      // Attached, a "result" is the answer to a kill request the signal proxy sent.
      if (!req.detach) return std::nullopt;
      std::printf("%s\n", message.id.c_str());
      return 0;
    }
  });
}

int run_command(Cli& cli, const RunFlags& f, const RunOnlyFlags& own,
                const std::vector<std::string>& args) {
  if (args.empty())
    return report_error("\"run\" requires at least 1 argument: IMAGE [COMMAND...]", 125);
  // Flags end at the image: what comes before it and looks like a flag is none of ours.
  if (args[0].size() > 1 && args[0][0] == '-') return unknown_flag("run", args[0]);
  if (f.tty && f.interactive && !own.detach && !::isatty(0))
    return report_error("the input device is not a TTY", 1);
  auto keys = term::parse_detach_keys(own.detach_keys);
  if (!keys) return report_error(keys.error().message, 125);
  auto req = run_request(f, args);
  if (!req) return report_error(req.error().describe(), 125);
  auto streams = attach_streams(f.meta);
  if (!streams) return report_error(streams.error().message, 125);
  if (own.detach && !streams.value().empty())
    return report_error("Conflicting options: -a and -d", 125);
  auto cid = CidFile::open(f.meta.cidfile);
  if (!cid) return report_error(cid.error().message, 125);
  req.value().detach = own.detach;  // with --rm too, as Docker allows: removed when it exits
  if (f.network == "host" && (!f.publish.empty() || f.publish_all))
    std::fprintf(stderr, "WARNING: Published ports are discarded when using host network mode\n");
  return with_image(cli, f, args[0], [&] {
    return run_once(cli, req.value(), keys.value(), own.sig_proxy, streams.value(), cid.value());
  });
}

}  // namespace

void add_run(CLI::App& app, Cli& cli) {
  auto flags = std::make_shared<RunFlags>();
  auto own = std::make_shared<RunOnlyFlags>();
  auto* cmd = app.add_subcommand("run", "Create and run a container from an image");
  cmd->set_help_flag("--help", "Print this help");
  cmd->prefix_command();  // IMAGE and everything after it belong to the container
  cmd->add_flag("-d,--detach", own->detach, "Run in the background and print the id");
  cmd->add_option("--detach-keys", own->detach_keys,
                  "Override the key sequence for detaching a container (default ctrl-p,ctrl-q)");
  cmd->add_flag("--sig-proxy,!--no-sig-proxy", own->sig_proxy,
                "Proxy received signals to the process (default true)");
  add_run_flags(*cmd, flags);
  cmd->callback([cmd, flags, own, &cli] {
    cli.action = [cmd, flags, own, &cli] {
      return run_command(cli, *flags, *own, cmd->remaining());
    };
  });
}

}  // namespace asup::cli
