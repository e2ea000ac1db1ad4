// asupctl run: create and start a container; attached by default, exits with its code.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "cli/common.hpp"
#include "cli/signal_proxy.hpp"
#include "cli/terminal_session.hpp"
#include "core/units.hpp"
#include "term/detach_keys.hpp"
#include "term/terminal.hpp"

namespace asup::cli {
namespace {

struct RunFlags {
  bool detach = false, interactive = false, tty = false, rm = false;
  std::vector<std::string> env, env_files, volumes, tmpfs, publish, network_aliases, devices;
  std::string workdir, user, hostname, entrypoint, name, memory, log_size, network, ip, cpus;
  bool publish_all = false;
  std::string pull = "missing", platform;
  std::string detach_keys{term::kDefaultDetachKeys};
  bool entrypoint_set = false;
  std::int64_t pids_limit = 0;
  bool pids_set = false;
};

// A plain decimal, as Docker's rational parser takes it: no hex, no nan or inf, which
// strtod would accept and which would mean 16 CPUs or none.
Result<double> parse_cpus(const std::string& text) {
  auto invalid = [&] {
    return fail(EINVAL, "invalid argument \"" + text + "\" for \"--cpus\" flag: failed to parse " +
                            text + " as a rational number");
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

Result<std::vector<std::string>> read_env_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(errno, "open env file " + path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    if (line[0] == '=')
      return fail(EINVAL, "invalid environment variable in " + path + ": " + line);
    add_env_entry(out, line);
  }
  return out;
}

// The run request the command line asks for; an error for what is wrong with it before
// asupd need be asked.
Result<api::RunRequest> run_request(const RunFlags& f, const std::vector<std::string>& args) {
  api::RunRequest req;
  req.image = args[0];
  req.cmd.assign(args.begin() + 1, args.end());
  req.detach = f.detach;  // with --rm too, as Docker allows: removed when it exits
  req.rm = f.rm;
  req.interactive = f.interactive;
  req.tty = f.tty;
  if (f.tty) {
    // The terminal starts at the user's size: nothing in it ever runs at 0x0.
    if (auto size = term::window_size(::isatty(0) ? 0 : 1)) {
      req.tty_rows = size->rows;
      req.tty_cols = size->cols;
    }
  }
  for (auto& file : f.env_files) {
    auto entries = read_env_file(file);
    if (!entries) return entries.error();
    req.env.insert(req.env.end(), entries.value().begin(), entries.value().end());
  }
  for (auto& e : f.env) add_env_entry(req.env, e);
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
  if (!f.memory.empty()) {
    auto bytes = parse_bytes(f.memory);
    if (!bytes) return fail("invalid argument \"" + f.memory + "\" for \"-m, --memory\"");
    req.memory = bytes.value();
  }
  req.publish = f.publish;
  req.publish_all = f.publish_all;
  if (!f.network.empty()) req.network = f.network;
  req.ip = f.ip;
  req.network_aliases = f.network_aliases;
  if (!f.cpus.empty()) {
    auto cpus = parse_cpus(f.cpus);
    if (!cpus) return fail(cpus.error().message);
    req.cpus = cpus.value();
  }
  if (f.pids_set) req.pids_limit = f.pids_limit;
  if (!f.log_size.empty()) {
    auto bytes = parse_bytes(f.log_size);
    if (!bytes || bytes.value() <= 0)
      return fail("invalid argument \"" + f.log_size + "\" for \"--log-size\"");
    req.log_size = static_cast<std::uint64_t>(bytes.value());
  }
  return req;
}

bool attach(Cli& cli, const RunFlags& f, const api::RunRequest& req, int& code);

int run_command(Cli& cli, RunFlags& f, std::vector<std::string> args) {
  if (args.empty())
    return report_error("\"run\" requires at least 1 argument: IMAGE [COMMAND...]", 125);
  if (f.tty && f.interactive && !f.detach && !::isatty(0))
    return report_error("the input device is not a TTY", 1);
  if (auto keys = term::parse_detach_keys(f.detach_keys); !keys)
    return report_error(keys.error().message, 125);
  auto req = run_request(f, args);
  if (!req) return report_error(req.error().describe(), 125);
  if (f.network == "host" && (!f.publish.empty() || f.publish_all))
    std::fprintf(stderr, "WARNING: Published ports are discarded when using host network mode\n");

  if (f.pull == "always" && pull_image(cli, args[0], f.platform, false, stderr) != 0) return 125;
  bool pulled = f.pull == "always";
  for (;;) {
    int code = 0;
    if (attach(cli, f, req.value(), code)) return code;
    // The image is missing: Docker pulls it and asks again.
    if (f.pull == "never" || pulled) return 125;
    std::fprintf(stderr, "Unable to find image '%s' locally\n", args[0].c_str());
    if (pull_image(cli, args[0], f.platform, false, stderr) != 0) return 125;
    pulled = true;
  }
}

// Sends the run request and follows the container; false (code unset) when asupd does
// not have the image.
bool attach(Cli& cli, const RunFlags& f, const api::RunRequest& req, int& code) {
  auto done = [&code](int c) {
    code = c;
    return true;
  };
  auto client = connect(cli);
  if (!client) return done(report_error(client.error().describe(), 125));
  auto& c = client.value();
  if (auto sent = send(c, req); !sent) return done(report_error(sent.error().message, 125));
  // Attached to a terminal: raw mode and the relay of keys and sizes, until the exit.
  std::unique_ptr<TerminalSession> terminal;
  for (;;) {
    auto reply = next_reply<OutputFrame, api::Created, api::Notice, api::Exit, api::IdResult>(c);
    if (!reply) {
      if (reply.error().no_such_image && f.pull != "never") return false;
      return done(report_error(reply.error().message, reply.error().exit));
    }
    auto& message = reply.value();
    if (auto* output = std::get_if<OutputFrame>(&message)) {
      write_all(output->header.stream == "stderr" ? 2 : 1, output->bytes);
    } else if (auto* created = std::get_if<api::Created>(&message)) {
      if (!f.detach) forward_signals(created->id, c.request_fd());
      if (!f.detach && f.tty) {
        TerminalSession::Options options{created->id, true, f.interactive,
                                         term::parse_detach_keys(f.detach_keys).value()};
        auto started = TerminalSession::start(c.request_fd(), std::move(options));
        if (!started) return done(report_error(started.error().describe(), 125));
        terminal = std::move(started).value();
      }
    } else if (auto* notice = std::get_if<api::Notice>(&message)) {
      if (notice->skipped_bytes)
        std::fprintf(stderr, "asupctl: %llu bytes of output skipped (this client fell behind)\n",
                     static_cast<unsigned long long>(*notice->skipped_bytes));
    } else if (auto* exit = std::get_if<api::Exit>(&message)) {
      terminal.reset();  // the user's terminal as it was, before any message
      return done(finish_exit(*exit));
    } else if (f.detach) {
      std::printf("%s\n", std::get<api::IdResult>(message).id.c_str());
      return done(0);
    }
  }
}

}  // namespace

void add_run(CLI::App& app, Cli& cli) {
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "Create and run a container from an image");
  cmd->set_help_flag("--help", "Print this help");
  cmd->prefix_command();  // IMAGE and everything after it belong to the container
  cmd->add_flag("-d,--detach", flags->detach, "Run in the background and print the id");
  cmd->add_flag("-i,--interactive", flags->interactive, "Keep stdin open and connected");
  cmd->add_flag("-t,--tty", flags->tty, "Allocate a pseudo-TTY");
  cmd->add_option("--detach-keys", flags->detach_keys,
                  "Override the key sequence for detaching a container (default ctrl-p,ctrl-q)");
  cmd->add_flag("--rm", flags->rm, "Remove the container when it exits");
  cmd->add_option("-e,--env", flags->env, "Set environment variables")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_option("--env-file", flags->env_files, "Read environment variables from a file")
      ->allow_extra_args(false);
  cmd->add_option("-w,--workdir", flags->workdir, "Working directory inside the container");
  cmd->add_option("-u,--user", flags->user, "user[:group] or uid[:gid]");
  cmd->add_option("-h,--hostname", flags->hostname, "Container host name");
  cmd->add_option("--entrypoint", flags->entrypoint, "Overwrite the image's entrypoint")
      ->each([flags](const std::string&) { flags->entrypoint_set = true; });
  cmd->add_option("-v,--volume", flags->volumes, "Bind mount HOST:CONTAINER[:ro]")
      ->allow_extra_args(false);
  cmd->add_option("--tmpfs", flags->tmpfs, "Mount a tmpfs directory")->allow_extra_args(false);
  cmd->add_option("--device", flags->devices,
                  "Add a host device to the container (HOST[:CONTAINER][:PERMS], PERMS of rwm)")
      ->allow_extra_args(false);
  cmd->add_option("--name", flags->name, "Assign a name to the container");
  cmd->add_option("-p,--publish", flags->publish,
                  "Publish a container's port to the host ([IP:][HOST:]CONTAINER[/PROTO])")
      ->allow_extra_args(false);
  cmd->add_flag("-P,--publish-all", flags->publish_all,
                "Publish every exposed port to a random host port");
  cmd->add_option("--network,--net", flags->network,
                  "Connect to a network: bridge (default), none, host or a user network");
  cmd->add_option("--ip", flags->ip, "IPv4 address on that network (e.g. 10.89.0.7)");
  cmd->add_option("--network-alias", flags->network_aliases,
                  "Another name the container has on a user network")
      ->allow_extra_args(false);
  cmd->add_option("-m,--memory", flags->memory, "Memory limit (e.g. 64m)");
  cmd->add_option("--cpus", flags->cpus, "Number of CPUs");
  cmd->add_option("--pids-limit", flags->pids_limit, "Tune container pids limit (-1 unlimited)")
      ->each([flags](const std::string&) { flags->pids_set = true; });
  cmd->add_option("--log-size", flags->log_size, "Size of the log ring (default 1m)");
  cmd->add_option("--pull", flags->pull, "Pull image before running (always, missing, never)")
      ->check(CLI::IsMember({"always", "missing", "never"}))
      ->capture_default_str();
  cmd->add_option("--platform", flags->platform, "Platform to pull (os/arch[/variant])");
  cmd->callback([cmd, flags, &cli] {
    cli.action = [cmd, flags, &cli] { return run_command(cli, *flags, cmd->remaining()); };
  });
}

}  // namespace asup::cli
