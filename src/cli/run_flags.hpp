// The flags `run` and `create` share (Docker's container options), the run request they
// ask for, and the image handling both do: pull as --pull says, or when asupd lacks it.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/requests.hpp"
#include "cli/call.hpp"
#include "cli/run_health_flags.hpp"
#include "cli/run_host_flags.hpp"
#include "cli/run_meta_flags.hpp"
#include "cli/run_network_flags.hpp"
#include "cli/run_resource_flags.hpp"
#include "cli/run_security_flags.hpp"
#include "cli/run_storage_flags.hpp"

namespace asup::cli {

struct Cli;

// The resource flags run, create and update share, beyond --memory, --cpus and
// --pids-limit; 0 or "" is Docker's default: not set.
struct ResourceFlags {
  std::string cpuset_cpus, cpuset_mems, memory_swap, memory_reservation;
  std::int64_t cpu_shares = 0, cpu_period = 0, cpu_quota = 0;
  std::uint16_t blkio_weight = 0;
  std::int64_t cpu_rt_period = 0, cpu_rt_runtime = 0;
  std::string kernel_memory;  // deprecated: parsed, warned about, never sent
};

struct RunFlags {
  bool interactive = false, tty = false, rm = false;
  std::vector<std::string> env, env_files, volumes, tmpfs, publish, network_aliases, devices;
  std::string workdir, user, hostname, entrypoint, name, memory, log_size, network, ip, cpus;
  bool publish_all = false;
  std::string pull = "missing", platform;
  std::string restart = "no", stop_signal;
  bool entrypoint_set = false;
  std::int64_t pids_limit = 0;
  bool pids_set = false;
  ResourceFlags resources;
  RunResourceFlags run_resources;  // those update lacks
  bool oom_kill_disable = false;
  std::int64_t oom_score_adj = 0;
  bool oom_score_adj_set = false;
  std::int64_t stop_timeout = 0;
  bool stop_timeout_set = false;
  MetaFlags meta;
  SecurityFlags security;
  NetworkFlags net;
  HealthFlags health;
  StorageFlags storage;  // --mount, --volumes-from
  HostFlags host;        // --pid, --ipc, --uts, --link ...
};

// Registers the shared flags on `cmd`, filling `flags`.
void add_run_flags(CLI::App& cmd, const std::shared_ptr<RunFlags>& flags);

// The request `args` (IMAGE [CMD...]) and the flags ask for; an error for what is wrong with
// them before asupd need be asked. `detach` is left to run.
Result<api::RunRequest> run_request(const RunFlags& flags, const std::vector<std::string>& args);

// -m, --memory as Docker parses it, with its error.
Result<std::int64_t> parse_memory(const std::string& text);
// --cpus: a plain decimal, as Docker's rational parser takes it.
Result<double> parse_cpus(const std::string& text);
// A byte size of another flag (--memory-reservation), parsed as --memory is, with Docker's
// error naming `flag`.
Result<std::int64_t> parse_size_flag(const std::string& text, const std::string& flag);
// --memory-swap: a byte size, or -1 for unlimited swap.
Result<std::int64_t> parse_memory_swap(const std::string& text);
// --kernel-memory: Docker's CLI still parses it, prints cobra's deprecation line
// ("Flag --kernel-memory has been deprecated, and no longer supported by the kernel") on
// stderr and sends nothing. The error is for a size that does not parse.
Status warn_kernel_memory(const ResourceFlags& flags);

// Registers the resource flags run, create and update share (--cpuset-cpus, -c ...
// --blkio-weight), filling `flags`, and returns them.
std::vector<CLI::Option*> add_resource_flags(CLI::App& cmd, ResourceFlags& flags);

// Runs `attempt`, a request naming `image`, and returns its exit code: after pulling the
// image first with --pull always, and again after pulling it when asupd lacks it ("Unable to
// find image 'X' locally") unless --pull never. A failure is reported as "asupctl: ...".
int with_image(Cli& cli, const RunFlags& flags, const std::string& image,
               const std::function<CallResult<int>()>& attempt);

}  // namespace asup::cli
