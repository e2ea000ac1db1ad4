// What every asupctl command shares: finding and talking to asupd, printing errors the
// way Docker does, and formatting times and sizes for tables.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "api/replies.hpp"
#include "asup/result.hpp"
#include "cli/call.hpp"
#include "control/client.hpp"

namespace asup::cli {

struct Cli {
  std::string run_root;
  // Set by the chosen subcommand's callback; returns the process exit code.
  std::function<int()> action;
};

// A session with asupd (call.hpp: requests and replies in the protocol's types).
Result<control::Client> connect(Cli& cli);

// "asupctl: MESSAGE" on stderr; returns code.
int report_error(const std::string& message, int code);
// An argument that looks like a flag nobody declared, in cobra's words as Docker prints them
// ("unknown flag: --x", "unknown shorthand flag: 'x' in -x", then "See 'asupctl CMD
// --help'."); returns 125.
int unknown_flag(const std::string& command, const std::string& argument);
// KEY=VALUE as given; a bare KEY takes its value from our own environment, as Docker does
// for -e; an unset bare KEY is dropped.
void add_env_entry(std::vector<std::string>& out, const std::string& entry);
// Prints the exit message of `run`/`exec` (why a command could not run) and returns its code.
int finish_exit(const api::Exit& exit);
// Writes all bytes to fd (stdout/stderr), retrying short writes.
void write_all(int fd, std::string_view bytes);

std::string human_duration(std::int64_t seconds);  // "3 seconds", "About a minute", "2 hours"
std::string human_size(std::int64_t bytes);        // "4.39MB"
std::int64_t now_seconds();
// Go's time.String() of the local time, as Docker prints CreatedAt in listings.
std::string go_time_text(std::int64_t seconds);
std::string truncate(const std::string& s, std::size_t width);
// s without the `blanks` at either end.
std::string trim(const std::string& s, std::string_view blanks = " \t");
// "0.0.0.0:8080", "[::]:8080": Go's net.JoinHostPort, as Docker prints published ports.
std::string host_and_port(const std::string& ip, int port);

// One request of a command that exits 1 when it fails, as all but run and exec do: `print`
// takes the result and returns the exit code; without it there is nothing to print.
template <class R, class Print>
int request(Cli& cli, const R& req, Print&& print) {
  auto reply = call(cli, req);
  if (!reply) return report_error(reply.error().message, 1);
  return print(reply.value());
}
template <class R>
int request(Cli& cli, const R& req) {
  return request(cli, req, [](const typename R::Reply&) { return 0; });
}

// Per-command registration, one file each.
void add_run(CLI::App& app, Cli& cli);
void add_create(CLI::App& app, Cli& cli);
void add_start(CLI::App& app, Cli& cli);
void add_restart(CLI::App& app, Cli& cli);  // beside stop
void add_pause(CLI::App& app, Cli& cli);    // pause and unpause
void add_unpause(CLI::App& app, Cli& cli);
void add_rename(CLI::App& app, Cli& cli);
void add_update(CLI::App& app, Cli& cli);
void add_top(CLI::App& app, Cli& cli);
void add_diff(CLI::App& app, Cli& cli);
void add_container(CLI::App& app, Cli& cli);  // the `container` group
void add_ps(CLI::App& app, Cli& cli);
void add_inspect(CLI::App& app, Cli& cli);
void add_logs(CLI::App& app, Cli& cli);
void add_exec(CLI::App& app, Cli& cli);
void add_stop(CLI::App& app, Cli& cli);
void add_kill(CLI::App& app, Cli& cli);
void add_rm(CLI::App& app, Cli& cli);
void add_wait(CLI::App& app, Cli& cli);
void add_load(CLI::App& app, Cli& cli);
void add_import(CLI::App& app, Cli& cli);
void add_images(CLI::App& app, Cli& cli);
void add_rmi(CLI::App& app, Cli& cli);
void add_pull(CLI::App& app, Cli& cli);
void add_login(CLI::App& app, Cli& cli);  // login and logout

// Pulls `reference` showing progress on `out` (stdout for pull, stderr for run; null for
// nothing at all, as `run -q`); returns the exit code.
int pull_image(Cli& cli, const std::string& reference, const std::string& platform, bool quiet,
               FILE* out);
void add_tag(CLI::App& app, Cli& cli);
void add_save(CLI::App& app, Cli& cli);
void add_image(CLI::App& app, Cli& cli);  // the `image` group, below it:
void add_image_inspect(CLI::App& app, Cli& cli);
void add_image_prune(CLI::App& app, Cli& cli);
void add_network(CLI::App& app, Cli& cli);  // the `network` group
void add_port(CLI::App& app, Cli& cli);
void add_attach(CLI::App& app, Cli& cli);
void add_version(CLI::App& app, Cli& cli);

void add_volume(CLI::App& app, Cli& cli);  // the `volume` group

// Prints `warning` and Docker's "Are you sure you want to continue? [y/N] "; true for "y"
// or "yes" (prune commands without -f).
bool confirm(const char* warning);

// For commands acting on several containers, images or networks (start, stop, restart,
// kill, rm, wait, pause, unpause, update, rmi, network rm): prints the lines of each that succeeded
// (its name unless `success_lines` says otherwise) on stdout and each error on stderr; exit 1 if
// any failed.
int print_results(
    const api::OutcomesResult& reply,
    const std::function<std::vector<std::string>(const api::Outcome&)>& success_lines = {});

}  // namespace asup::cli
