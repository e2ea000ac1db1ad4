// asupctl start [-a] [-i] [--detach-keys KEYS] CONTAINER...: runs created or stopped
// containers. With -a (or -i) one container, followed as attach follows it: its output,
// keys to its terminal, its exit code.
#include <unistd.h>

#include <cstdio>

#include "cli/attached_session.hpp"
#include "cli/common.hpp"
#include "term/detach_keys.hpp"

namespace asup::cli {
namespace {

struct StartFlags {
  std::vector<std::string> ids;
  bool attach = false, interactive = false;
  std::string detach_keys{term::kDefaultDetachKeys};
};

int start_attached(Cli& cli, const StartFlags& f) {
  if (f.ids.size() > 1)
    return report_error("you cannot start and attach multiple containers at once", 1);
  auto keys = term::parse_detach_keys(f.detach_keys);
  if (!keys) return report_error(keys.error().message, 1);
  // Keys for a terminal need one here: found out before the container starts.
  if (f.interactive && !::isatty(0)) {
    auto found = call(cli, api::InspectRequest{{f.ids[0]}});
    if (found && !found.value().items.empty() &&
        found.value().items[0]["Config"].value("Tty", false))
      return report_error("the input device is not a TTY", 1);
  }
  api::StartRequest req;
  req.ids = f.ids;
  req.attach = true;
  req.interactive = f.interactive;
  if (auto size = client_window_size()) {
    req.tty_rows = size->rows;
    req.tty_cols = size->cols;
  }
  auto client = open_session(cli, req);
  if (!client) return report_error(client.error().message, 1);
  AttachedSession session(client.value(), keys.value());
  auto code = session.follow<api::Attached>([&](const api::Attached& attached) {
    // A terminal's keys travel as input requests; without a terminal asupd hands the
    // container our stdin itself. Signals go only to a container without one, as Docker's.
    return session.attached(attached, {f.interactive && attached.tty, !attached.tty});
  });
  if (!code) return report_error(code.error().message, code.error().exit);
  return code.value();
}

// Each container's name as typed, each error, and Docker's summary of those that failed.
int print_started(const api::OutcomesResult& reply) {
  int code = print_results(reply);
  std::string failed;
  for (auto& item : reply.results)
    if (item.error) failed += (failed.empty() ? "" : ", ") + item.name;
  if (!failed.empty())
    std::fprintf(stderr, "Error: failed to start containers: %s\n", failed.c_str());
  return code;
}

}  // namespace

void add_start(CLI::App& app, Cli& cli) {
  auto f = std::make_shared<StartFlags>();
  auto* cmd = app.add_subcommand("start", "Start one or more stopped containers");
  cmd->add_flag("-a,--attach", f->attach, "Attach STDOUT/STDERR and forward signals");
  cmd->add_flag("-i,--interactive", f->interactive, "Attach container's STDIN");
  cmd->add_option("--detach-keys", f->detach_keys,
                  "Override the key sequence for detaching a container (default ctrl-p,ctrl-q)");
  cmd->add_option("CONTAINER", f->ids, "Container name or id")->required();
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      // -i attaches too, as in Docker.
      if (f->attach || f->interactive) return start_attached(cli, *f);
      api::StartRequest req;
      req.ids = f->ids;
      return request(cli, req, print_started);
    };
  });
}

}  // namespace asup::cli
