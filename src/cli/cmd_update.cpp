// asupctl update [-m BYTES] [--cpus N] [--pids-limit N] [--restart POLICY] [--cpuset-cpus
// ...] CONTAINER...: limits change live on running containers; every change is kept for
// the next start.
#include "api/restart_policy.hpp"
#include "cli/common.hpp"
#include "cli/run_flags.hpp"
#include "cli/warnings.hpp"

namespace asup::cli {
namespace {

struct UpdateFlags {
  std::vector<std::string> ids;
  std::string memory, cpus, restart;
  std::int64_t pids_limit = 0;
  ResourceFlags resources;
  int given = 0;  // flags on the command line, whatever their values
};

// The resource flags beyond -m, --cpus and --pids-limit, or the exit code of a size that
// does not parse (125). A zero value changes nothing, as for those.
std::optional<int> add_resources(const ResourceFlags& f, api::UpdateRequest& req) {
  auto nonzero = [](std::int64_t v) { return v != 0 ? std::optional(v) : std::nullopt; };
  if (!f.cpuset_cpus.empty()) req.cpuset_cpus = f.cpuset_cpus;
  if (!f.cpuset_mems.empty()) req.cpuset_mems = f.cpuset_mems;
  req.cpu_shares = nonzero(f.cpu_shares);
  req.cpu_period = nonzero(f.cpu_period);
  req.cpu_quota = nonzero(f.cpu_quota);
  if (!f.memory_swap.empty()) {
    auto swap = parse_memory_swap(f.memory_swap);
    if (!swap) return report_error(swap.error().message, 125);
    req.memory_swap = nonzero(swap.value());
  }
  if (!f.memory_reservation.empty()) {
    auto bytes = parse_size_flag(f.memory_reservation, "--memory-reservation");
    if (!bytes) return report_error(bytes.error().message, 125);
    req.memory_reservation = nonzero(bytes.value());
  }
  req.blkio_weight = nonzero(f.blkio_weight);
  req.cpu_rt_period = nonzero(f.cpu_rt_period);
  req.cpu_rt_runtime = nonzero(f.cpu_rt_runtime);
  if (auto warned = warn_kernel_memory(f); !warned)
    return report_error(warned.error().message, 125);
  return std::nullopt;
}

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
  if (auto code = add_resources(f.resources, req)) return *code;
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
  for (auto* option : add_resource_flags(*cmd, f->resources)) option->each(count);
  cmd->add_option("CONTAINER", f->ids, "Container name or id")->required();
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      auto req = update_request(*f);
      if (auto* code = std::get_if<int>(&req)) return *code;
      auto reply = call_printing_warnings(cli, std::get<api::UpdateRequest>(req));
      if (!reply) return report_error(reply.error().message, 1);
      return print_results(reply.value());
    };
  });
}

}  // namespace asup::cli
