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
#include "cli/run_meta_flags.hpp"

namespace asup::cli {

struct Cli;

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
  std::int64_t stop_timeout = 0;
  bool stop_timeout_set = false;
  MetaFlags meta;
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

// Runs `attempt`, a request naming `image`, and returns its exit code: after pulling the
// image first with --pull always, and again after pulling it when asupd lacks it ("Unable to
// find image 'X' locally") unless --pull never. A failure is reported as "asupctl: ...".
int with_image(Cli& cli, const RunFlags& flags, const std::string& image,
               const std::function<CallResult<int>()>& attempt);

}  // namespace asup::cli
