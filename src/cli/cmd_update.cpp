// asupctl update [-m BYTES] [--cpus N] [--pids-limit N] [--restart POLICY] CONTAINER...:
// limits change live on running containers; every change is kept for the next start.
#include "api/restart_policy.hpp"
#include "cli/common.hpp"
#include "cli/run_flags.hpp"

namespace asup::cli {
namespace {

struct UpdateFlags {
  std::vector<std::string> ids;
  std::string memory, cpus, restart;
  std::int64_t pids_limit = 0;
  int given = 0;  // flags on the command line, whatever their values
};

// The update the flags ask for, or the exit code of what is wrong with them: a value a flag
// cannot take is a usage error (125), as in Docker; no flag at all or a bad policy, 1.
// As in Docker a zero value (-m 0, --cpus 0, --pids-limit 0) or an empty policy changes
// nothing, so it is not sent.
std::variant<api::UpdateRequest, int> update_request(const UpdateFlags& f) {
  if (f.given == 0)
    return report_error("you must provide one or more flags when using this command", 1);
  api::UpdateRequest req;
  req.ids = f.ids;
  if (!f.memory.empty()) {
    auto bytes = parse_memory(f.memory);
    if (!bytes) return report_error(bytes.error().message, 125);
    if (bytes.value() != 0) req.memory = bytes.value();
  }
  if (!f.cpus.empty()) {
    auto cpus = parse_cpus(f.cpus);
    if (!cpus) return report_error(cpus.error().message, 125);
    if (cpus.value() != 0) req.cpus = cpus.value();
  }
  if (f.pids_limit != 0) req.pids_limit = f.pids_limit;
  if (!f.restart.empty()) {
    if (auto policy = api::parse_restart_policy(f.restart); !policy)
      return report_error(policy.error().message, 1);
    req.restart = f.restart;
  }
  return req;
}

}  // namespace

void add_update(CLI::App& app, Cli& cli) {
  auto f = std::make_shared<UpdateFlags>();
  auto count = [f](const std::string&) { ++f->given; };
  auto* cmd = app.add_subcommand("update", "Update configuration of one or more containers");
  cmd->add_option("-m,--memory", f->memory, "Memory limit")->each(count);
  cmd->add_option("--cpus", f->cpus, "Number of CPUs")->each(count);
  cmd->add_option("--pids-limit", f->pids_limit, "Tune container pids limit (set -1 for unlimited)")
      ->each(count);
  cmd->add_option("--restart", f->restart, "Restart policy to apply when a container exits")
      ->each(count);
  cmd->add_option("CONTAINER", f->ids, "Container name or id")->required();
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      auto req = update_request(*f);
      if (auto* code = std::get_if<int>(&req)) return *code;
      return request(cli, std::get<api::UpdateRequest>(req),
                     [](auto& reply) { return print_results(reply); });
    };
  });
}

}  // namespace asup::cli
