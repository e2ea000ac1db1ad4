#include "cli/run_flags.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "api/restart_policy.hpp"
#include "cli/common.hpp"
#include "cli/terminal_session.hpp"
#include "core/units.hpp"

namespace asup::cli {
namespace {

Result<std::vector<std::string>> read_env_file(const std::string& path) {
  ASUP_TRY(auto lines, read_entries_file(path, "env file"));
  std::vector<std::string> out;
  for (auto& line : lines) {
    if (line[0] == '=')
      return fail(EINVAL, "invalid environment variable in " + path + ": " + line);
    add_env_entry(out, line);
  }
  return out;
}

Status add_env(const RunFlags& f, api::RunRequest& req) {
  for (auto& file : f.env_files) {
    ASUP_TRY(auto entries, read_env_file(file));
    req.env.insert(req.env.end(), entries.begin(), entries.end());
  }
  for (auto& e : f.env) add_env_entry(req.env, e);
  return ok();
}

// Docker sends 0 for what is not set, which the daemon reads as "not set": so do we.
Status add_resources(const RunFlags& run, api::RunRequest& req) {
  const ResourceFlags& f = run.resources;
  req.cpuset_cpus = f.cpuset_cpus;
  req.cpuset_mems = f.cpuset_mems;
  auto nonzero = [](std::int64_t v) { return v != 0 ? std::optional(v) : std::nullopt; };
  req.cpu_shares = nonzero(f.cpu_shares);
  req.cpu_period = nonzero(f.cpu_period);
  req.cpu_quota = nonzero(f.cpu_quota);
  if (!f.memory_swap.empty()) {
    ASUP_TRY(auto swap, parse_memory_swap(f.memory_swap));
    req.memory_swap = nonzero(swap);
  }
  if (!f.memory_reservation.empty()) {
    ASUP_TRY(auto bytes, parse_size_flag(f.memory_reservation, "--memory-reservation"));
    req.memory_reservation = nonzero(bytes);
  }
  req.blkio_weight = nonzero(f.blkio_weight);
  req.cpu_rt_period = nonzero(f.cpu_rt_period);
  req.cpu_rt_runtime = nonzero(f.cpu_rt_runtime);
  ASUP_TRY(warn_kernel_memory(f));
  ASUP_TRY(add_run_resources(run.run_resources, req));
  req.oom_kill_disable = run.oom_kill_disable;
  if (run.oom_score_adj_set) req.oom_score_adj = run.oom_score_adj;
  return ok();
}

Status add_limits(const RunFlags& f, api::RunRequest& req) {
  if (!f.memory.empty()) {
    ASUP_TRY(req.memory, parse_memory(f.memory));
  }
  if (!f.cpus.empty()) {
    ASUP_TRY(req.cpus, parse_cpus(f.cpus));
  }
  if (f.pids_set) req.pids_limit = f.pids_limit;
  ASUP_TRY(add_resources(f, req));
  if (!f.log_size.empty()) {
    auto bytes = parse_bytes(f.log_size);
    if (!bytes || bytes.value() <= 0)
      return fail("invalid argument \"" + f.log_size + "\" for \"--log-size\"");
    req.log_size = static_cast<std::uint64_t>(bytes.value());
  }
  return ok();
}

// What happens when the container exits or is stopped: --rm, --restart, the stop signal
// and timeout (which the daemon validates, as it must for any client).
Status add_lifecycle(const RunFlags& f, api::RunRequest& req) {
  auto policy = api::parse_restart_policy(f.restart);
  if (!policy) return fail(policy.error().message);
  // A container that removes itself when it exits has nothing left to restart.
  if (f.rm && !policy.value().none()) return fail("Conflicting options: --restart and --rm");
  req.rm = f.rm;
  req.restart = f.restart;
  req.stop_signal = f.stop_signal;
  if (f.stop_timeout_set) req.stop_timeout = f.stop_timeout;
  return ok();
}

void add_terminal(const RunFlags& f, api::RunRequest& req) {
  req.interactive = f.interactive;
  req.tty = f.tty;
  if (!f.tty) return;
  // The terminal starts at the user's size: nothing in it ever runs at 0x0.
  if (auto size = client_window_size()) {
    req.tty_rows = size->rows;
    req.tty_cols = size->cols;
  }
}

}  // namespace

Result<std::int64_t> parse_memory(const std::string& text) {
  auto bytes = parse_bytes(text);
  if (!bytes) return fail("invalid argument \"" + text + "\" for \"-m, --memory\"");
  return bytes.value();
}

Result<std::int64_t> parse_size_flag(const std::string& text, const std::string& flag) {
  auto bytes = parse_bytes(text);
  if (!bytes)
    return fail("invalid argument \"" + text + "\" for \"" + flag + "\" flag: invalid size: '" +
                text + "'");
  return bytes.value();
}

// Docker's MemSwapBytes: "-1" is a value of its own, beside the sizes.
Result<std::int64_t> parse_memory_swap(const std::string& text) {
  if (text == "-1") return std::int64_t{-1};
  return parse_size_flag(text, "--memory-swap");
}

Status warn_kernel_memory(const ResourceFlags& f) {
  if (f.kernel_memory.empty()) return ok();
  std::fprintf(stderr,
               "Flag --kernel-memory has been deprecated, and no longer supported by the kernel\n");
  ASUP_TRY(parse_size_flag(f.kernel_memory, "--kernel-memory"));
  return ok();
}

std::vector<CLI::Option*> add_resource_flags(CLI::App& cmd, ResourceFlags& f) {
  return {
      cmd.add_option("--cpuset-cpus", f.cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)"),
      cmd.add_option("--cpuset-mems", f.cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)"),
      cmd.add_option("-c,--cpu-shares", f.cpu_shares, "CPU shares (relative weight)"),
      cmd.add_option("--cpu-period", f.cpu_period,
                     "Limit CPU CFS (Completely Fair Scheduler) period"),
      cmd.add_option("--cpu-quota", f.cpu_quota, "Limit CPU CFS (Completely Fair Scheduler) quota"),
      cmd.add_option("--memory-swap", f.memory_swap,
                     "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),
      cmd.add_option("--memory-reservation", f.memory_reservation, "Memory soft limit"),
      cmd.add_option("--blkio-weight", f.blkio_weight,
                     "Block IO (relative weight), between 10 and 1000, or 0 to disable"),
      cmd.add_option("--cpu-rt-period", f.cpu_rt_period,
                     "Limit CPU real-time period in microseconds"),
      cmd.add_option("--cpu-rt-runtime", f.cpu_rt_runtime,
                     "Limit CPU real-time runtime in microseconds"),
      cmd.add_option("--kernel-memory", f.kernel_memory, "Kernel memory limit (deprecated)"),
  };
}

// No hex, no nan or inf, which strtod would accept and which would mean 16 CPUs or none.
Result<double> parse_cpus(const std::string& text) {
  auto invalid = [&] {
    return fail("invalid argument \"" + text + "\" for \"--cpus\" flag: failed to parse " + text +
                " as a rational number");
  };
  std::size_t digits = 0, dots = 0;
  for (char c : text) {
    if (c >= '0' && c <= '9')
      ++digits;
    else if (c == '.')
      ++dots;
    else
      return invalid();
  }
  if (digits == 0 || dots > 1) return invalid();
  return std::strtod(text.c_str(), nullptr);
}

Result<api::RunRequest> run_request(const RunFlags& f, const std::vector<std::string>& args) {
  api::RunRequest req;
  req.image = args[0];
  req.cmd.assign(args.begin() + 1, args.end());
  add_terminal(f, req);
  ASUP_TRY(add_env(f, req));
  if (!f.workdir.empty()) req.workdir = f.workdir;
  if (!f.user.empty()) req.user = f.user;
  if (!f.hostname.empty()) req.hostname = f.hostname;
  if (f.entrypoint_set) req.entrypoint = f.entrypoint;
  req.name = f.name;
  req.volumes = f.volumes;
  req.tmpfs = f.tmpfs;
  // --device and -p as typed: the daemon parses them (and looks the host's nodes up), as it
  // must for any client.
  req.devices = f.devices;
  req.publish = f.publish;
  req.publish_all = f.publish_all;
  if (!f.network.empty()) req.network = f.network;
  req.ip = f.ip;
  req.network_aliases = f.network_aliases;
  ASUP_TRY(add_limits(f, req));
  ASUP_TRY(add_lifecycle(f, req));
  ASUP_TRY(add_metadata(f.meta, req));
  ASUP_TRY(add_security(f.security, req));
  add_network_options(f.net, req);
  ASUP_TRY(add_health(f.health, req));
  add_storage(f.storage, req);
  add_host_options(f.host, req);
  return req;
}

int with_image(Cli& cli, const RunFlags& f, const std::string& image,
               const std::function<CallResult<int>()>& attempt) {
  bool pulled = f.pull == "always";
  if (pulled && pull_image(cli, image, f.platform, false, f.meta.quiet ? nullptr : stderr) != 0)
    return 125;
  for (;;) {
    auto code = attempt();
    if (code) return code.value();
    auto& failure = code.error();
    if (!failure.no_such_image || f.pull == "never" || pulled)
      return report_error(failure.message, failure.exit);
    // The image is missing: Docker pulls it and asks again.
    if (!f.meta.quiet) std::fprintf(stderr, "Unable to find image '%s' locally\n", image.c_str());
    if (pull_image(cli, image, f.platform, false, f.meta.quiet ? nullptr : stderr) != 0) return 125;
    pulled = true;
  }
}

void add_run_flags(CLI::App& cmd, const std::shared_ptr<RunFlags>& flags) {
  cmd.add_flag("-i,--interactive", flags->interactive, "Keep stdin open and connected");
  cmd.add_flag("-t,--tty", flags->tty, "Allocate a pseudo-TTY");
  cmd.add_flag("--rm", flags->rm, "Remove the container when it exits");
  cmd.add_option("-e,--env", flags->env, "Set environment variables")
      ->take_all()
      ->allow_extra_args(false);
  cmd.add_option("--env-file", flags->env_files, "Read environment variables from a file")
      ->allow_extra_args(false);
  cmd.add_option("-w,--workdir", flags->workdir, "Working directory inside the container");
  cmd.add_option("-u,--user", flags->user, "user[:group] or uid[:gid]");
  cmd.add_option("-h,--hostname", flags->hostname, "Container host name");
  cmd.add_option("--entrypoint", flags->entrypoint, "Overwrite the image's entrypoint")
      ->each([flags](const std::string&) { flags->entrypoint_set = true; });
  cmd.add_option("-v,--volume", flags->volumes,
                 "Bind mount a volume (HOST:CONTAINER, NAME:CONTAINER or CONTAINER, "
                 "[:ro|rw][,z|Z][,nocopy])")
      ->allow_extra_args(false);
  cmd.add_option("--tmpfs", flags->tmpfs, "Mount a tmpfs directory")->allow_extra_args(false);
  cmd.add_option("--device", flags->devices,
                 "Add a host device to the container (HOST[:CONTAINER][:PERMS], PERMS of rwm)")
      ->allow_extra_args(false);
  cmd.add_option("--name", flags->name, "Assign a name to the container");
  cmd.add_option("-p,--publish", flags->publish,
                 "Publish a container's port to the host ([IP:][HOST:]CONTAINER[/PROTO])")
      ->allow_extra_args(false);
  cmd.add_flag("-P,--publish-all", flags->publish_all,
               "Publish every exposed port to a random host port");
  cmd.add_option("--network,--net", flags->network,
                 "Connect to a network: bridge (default), none, host or a user network");
  cmd.add_option("--ip", flags->ip, "IPv4 address on that network (e.g. 10.89.0.7)");
  cmd.add_option("--network-alias", flags->network_aliases,
                 "Another name the container has on a user network")
      ->allow_extra_args(false);
  cmd.add_option("-m,--memory", flags->memory, "Memory limit (e.g. 64m)");
  cmd.add_option("--cpus", flags->cpus, "Number of CPUs");
  cmd.add_option("--pids-limit", flags->pids_limit, "Tune container pids limit (-1 unlimited)")
      ->each([flags](const std::string&) { flags->pids_set = true; });
  add_resource_flags(cmd, flags->resources);
  add_run_resource_flags(cmd, flags->run_resources);
  cmd.add_flag("--oom-kill-disable", flags->oom_kill_disable, "Disable OOM Killer");
  cmd.add_option("--oom-score-adj", flags->oom_score_adj,
                 "Tune host's OOM preferences (-1000 to 1000)")
      ->each([flags](const std::string&) { flags->oom_score_adj_set = true; });
  cmd.add_option("--log-size", flags->log_size, "Size of the log ring (default 1m)");
  cmd.add_option("--restart", flags->restart,
                 "Restart policy to apply when a container exits (no, on-failure[:N], always, "
                 "unless-stopped)")
      ->capture_default_str();
  cmd.add_option("--stop-signal", flags->stop_signal, "Signal to stop the container");
  cmd.add_option("--stop-timeout", flags->stop_timeout, "Timeout (in seconds) to stop a container")
      ->each([flags](const std::string&) { flags->stop_timeout_set = true; });
  cmd.add_option("--pull", flags->pull, "Pull image before running (always, missing, never)")
      ->check(CLI::IsMember({"always", "missing", "never"}))
      ->capture_default_str();
  cmd.add_option("--platform", flags->platform, "Platform to pull (os/arch[/variant])");
  add_meta_flags(cmd, flags->meta);
  add_security_flags(cmd, flags->security);
  add_network_flags(cmd, flags->net);
  add_health_flags(cmd, flags->health);
  add_storage_flags(cmd, flags->storage);
  add_host_flags(cmd, flags->host);
}

}  // namespace asup::cli
