// asupctl create [RUN FLAGS] IMAGE [COMMAND...]: a container in state "created", with
// every flag of run; `start` runs it. Prints its full id.
#include <cstdio>

#include "cli/common.hpp"
#include "cli/run_flags.hpp"
#include "cli/warnings.hpp"

namespace asup::cli {
namespace {

int create_command(Cli& cli, const RunFlags& f, const std::vector<std::string>& args) {
  if (args.empty())
    return report_error("\"create\" requires at least 1 argument: IMAGE [COMMAND...]", 125);
  // Flags end at the image: what comes before it and looks like a flag is none of ours.
  if (args[0].size() > 1 && args[0][0] == '-') return unknown_flag("create", args[0]);
  // -it without a terminal here is fine: whoever starts it attached needs one.
  auto run = run_request(f, args);
  if (!run) return report_error(run.error().describe(), 125);
  api::CreateRequest req;
  static_cast<api::RunRequest&>(req) = std::move(run).value();
  if (auto streams = attach_streams(f.meta); !streams)
    return report_error(streams.error().message, 125);
  auto cid = CidFile::open(f.meta.cidfile);
  if (!cid) return report_error(cid.error().message, 125);
  return with_image(cli, f, args[0], [&]() -> CallResult<int> {
    auto reply = call_printing_warnings(cli, req);
    if (!reply) return std::move(reply).error();
    if (auto written = cid.value().write(reply.value().id); !written)
      return report_error(written.error().describe(), 125);
    std::printf("%s\n", reply.value().id.c_str());
    return 0;
  });
}

}  // namespace

void add_create(CLI::App& app, Cli& cli) {
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("create", "Create a new container");
  cmd->set_help_flag("--help", "Print this help");
  cmd->prefix_command();  // IMAGE and everything after it belong to the container
  add_run_flags(*cmd, flags);
  cmd->callback([cmd, flags, &cli] {
    cli.action = [cmd, flags, &cli] { return create_command(cli, *flags, cmd->remaining()); };
  });
}

}  // namespace asup::cli
