// asupctl run: create and start a container; attached by default, exits with its code.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "asup/protocol.hpp"
#include "cli/common.hpp"
#include "core/units.hpp"

namespace asup::cli {
namespace {

struct RunFlags {
  bool detach = false, interactive = false, tty = false, rm = false;
  std::vector<std::string> env, env_files, volumes, tmpfs, publish, network_aliases, devices;
  std::string workdir, user, hostname, entrypoint, name, memory, log_size, network, ip, cpus;
  bool publish_all = false;
  std::string pull = "missing", platform;
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

// Forwards the signals a user sends to `asupctl run` to the container, like docker run's
// --sig-proxy. The kill request is formatted in advance: a handler may only write().
int g_request_fd = -1;
char g_kill_prefix[200];

void proxy_signal(int sig) {
  if (g_request_fd < 0) return;
  char line[256];
  std::size_t n = std::strlen(g_kill_prefix);
  std::memcpy(line, g_kill_prefix, n);
  char digits[8];
  int d = 0;
  for (int v = sig; v > 0 && d < 7; v /= 10) digits[d++] = static_cast<char>('0' + v % 10);
  while (d > 0) line[n++] = digits[--d];
  line[n++] = '"';
  line[n++] = '}';
  line[n++] = '\n';
  (void)!::write(g_request_fd, line, n);
}

bool attach(Cli& cli, RunFlags& f, const nlohmann::json& req, int& code);

int run_command(Cli& cli, RunFlags& f, std::vector<std::string> args) {
  if (args.empty())
    return report_error("\"run\" requires at least 1 argument: IMAGE [COMMAND...]", 125);
  if (f.tty)
    std::fprintf(stderr, "asupctl: warning: -t ignored: pseudo-terminals are not supported yet\n");
  if (f.detach && f.rm) {
    // Docker allows it: the container is removed when it exits.
  }
  nlohmann::json req{{"op", "run"},
                     {"image", args[0]},
                     {"detach", f.detach},
                     {"rm", f.rm},
                     {"interactive", f.interactive}};
  req["cmd"] = std::vector<std::string>(args.begin() + 1, args.end());
  std::vector<std::string> env;
  for (auto& file : f.env_files) {
    auto entries = read_env_file(file);
    if (!entries) return report_error(entries.error().describe(), 125);
    env.insert(env.end(), entries.value().begin(), entries.value().end());
  }
  for (auto& e : f.env) add_env_entry(env, e);
  req["env"] = env;
  if (!f.workdir.empty()) req["workdir"] = f.workdir;
  if (!f.user.empty()) req["user"] = f.user;
  if (!f.hostname.empty()) req["hostname"] = f.hostname;
  if (f.entrypoint_set) req["entrypoint"] = f.entrypoint;
  if (!f.name.empty()) req["name"] = f.name;
  std::vector<std::string> volumes;
  for (auto& v : f.volumes) {
    // Docker accepts only absolute host paths; a relative one would be a named volume.
    volumes.push_back(v);
  }
  req["volumes"] = volumes;
  req["tmpfs"] = f.tmpfs;
  // As typed: the daemon parses --device and looks the host's nodes up.
  if (!f.devices.empty()) req["devices"] = f.devices;
  if (!f.memory.empty()) {
    auto bytes = parse_bytes(f.memory);
    if (!bytes)
      return report_error("invalid argument \"" + f.memory + "\" for \"-m, --memory\"", 125);
    req["memory"] = bytes.value();
  }
  // -p is passed as typed: the daemon parses it, as it must for any client.
  if (!f.publish.empty()) req["publish"] = f.publish;
  if (f.publish_all) req["publish_all"] = true;
  if (!f.network.empty()) req["network"] = f.network;
  if (f.network == "host" && (!f.publish.empty() || f.publish_all))
    std::fprintf(stderr, "WARNING: Published ports are discarded when using host network mode\n");
  if (!f.ip.empty()) req["ip"] = f.ip;
  if (!f.network_aliases.empty()) req["network_aliases"] = f.network_aliases;
  if (!f.cpus.empty()) {
    auto cpus = parse_cpus(f.cpus);
    if (!cpus) return report_error(cpus.error().message, 125);
    req["cpus"] = cpus.value();
  }
  if (f.pids_set) req["pids_limit"] = f.pids_limit;
  if (!f.log_size.empty()) {
    auto bytes = parse_bytes(f.log_size);
    if (!bytes || bytes.value() <= 0)
      return report_error("invalid argument \"" + f.log_size + "\" for \"--log-size\"", 125);
    req["log_size"] = bytes.value();
  }

  if (f.pull == "always" && pull_image(cli, args[0], f.platform, false, stderr) != 0) return 125;
  bool pulled = f.pull == "always";
  for (;;) {
    int code = 0;
    if (attach(cli, f, req, code)) return code;
    // The image is missing: Docker pulls it and asks again.
    if (f.pull == "never" || pulled) return 125;
    std::fprintf(stderr, "Unable to find image '%s' locally\n", args[0].c_str());
    if (pull_image(cli, args[0], f.platform, false, stderr) != 0) return 125;
    pulled = true;
  }
}

// Sends the run request and follows the container; false (code unset) when asupd does
// not have the image.
bool attach(Cli& cli, RunFlags& f, const nlohmann::json& req, int& code) {
  auto done = [&code](int c) {
    code = c;
    return true;
  };
  auto client = connect(cli);
  if (!client) return done(report_error(client.error().describe(), 125));
  auto& c = client.value();
  if (auto r = c.send(req); !r) return done(report_error(r.error().describe(), 125));
  for (;;) {
    auto msg = c.receive();
    if (!msg) return done(report_error(msg.error().describe(), 125));
    auto& h = msg.value().header;
    auto type = h.value("type", "");
    if (type == "output") {
      write_all(h.value("stream", "") == "stderr" ? 2 : 1, msg.value().payload);
    } else if (type == "created") {
      if (!f.detach) {
        std::snprintf(g_kill_prefix, sizeof g_kill_prefix,
                      "{\"op\":\"kill\",\"ids\":[\"%s\"],\"signal\":\"", h.value("id", "").c_str());
        g_request_fd = c.request_fd();
        struct sigaction sa {};
        sa.sa_handler = proxy_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2})
          ::sigaction(sig, &sa, nullptr);
      }
    } else if (type == "notice") {
      if (h.contains("skipped_bytes"))
        std::fprintf(stderr, "asupctl: %llu bytes of output skipped (this client fell behind)\n",
                     h["skipped_bytes"].get<unsigned long long>());
    } else if (type == "exit") {
      return done(finish_exit(h));
    } else if (type == "error") {
      if (h.value("no_such_image", false) && f.pull != "never") return false;
      return done(report_error(h.value("message", "unknown error"), h.value("exit", 125)));
    } else if (type == "result" && f.detach) {
      std::printf("%s\n", h.value("id", "").c_str());
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
  cmd->add_flag("-t,--tty", flags->tty, "Accepted for compatibility (no pseudo-terminal)");
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
