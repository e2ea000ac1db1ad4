// asupctl login [-u USER] [-p PASS | --password-stdin] [SERVER], asupctl logout [SERVER]
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/common.hpp"

namespace asup::cli {
namespace {

std::string read_line(bool echo) {
  termios saved{};
  bool restore = false;
  if (!echo && ::isatty(0) && ::tcgetattr(0, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = ::tcsetattr(0, TCSANOW, &quiet) == 0;
  }
  std::string line;
  std::getline(std::cin, line);
  if (restore) {
    ::tcsetattr(0, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string server_name(const std::string& server) {
  return server.empty() ? "docker.io" : server;
}

}  // namespace

void add_login(CLI::App& app, Cli& cli) {
  struct Flags {
    std::string username, password, server;
    bool password_stdin = false;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("login", "Log in to a registry");
  cmd->add_option("-u,--username", f->username, "Username");
  cmd->add_option("-p,--password", f->password, "Password");
  cmd->add_flag("--password-stdin", f->password_stdin, "Take the password from stdin");
  cmd->add_option("SERVER", f->server, "Registry (default: Docker Hub)");
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      if (f->password_stdin && !f->password.empty())
        return report_error("--password and --password-stdin are mutually exclusive", 1);
      if (f->password_stdin && f->username.empty())
        return report_error("Must provide --username with --password-stdin", 1);
      if (!f->password.empty())
        std::fprintf(stderr,
                     "WARNING! Using --password via the CLI is insecure. "
                     "Use --password-stdin.\n");
      if (f->username.empty()) {
        if (!::isatty(0))
          return report_error("Cannot perform an interactive login from a non TTY device", 1);
        std::fprintf(stderr, "Username: ");
        f->username = read_line(true);
      }
      if (f->password.empty()) {
        if (!f->password_stdin) {
          if (!::isatty(0))
            return report_error("Cannot perform an interactive login from a non TTY device", 1);
          std::fprintf(stderr, "Password: ");
        }
        f->password = read_line(false);
      }
      if (f->username.empty()) return report_error("Error: Non-null Username Required", 1);
      if (f->password.empty()) return report_error("Error: Non-null Password Required", 1);
      api::LoginRequest req;
      req.server = f->server;
      req.username = f->username;
      req.password = f->password;
      auto reply = call(cli, req);
      if (!reply) return report_error(reply.error().message, 1);
      std::printf("Login Succeeded\n");
      return 0;
    };
  });

  auto logout_server = std::make_shared<std::string>();
  auto* out = app.add_subcommand("logout", "Log out from a registry");
  out->add_option("SERVER", *logout_server, "Registry (default: Docker Hub)");
  out->callback([logout_server, &cli] {
    cli.action = [logout_server, &cli] {
      api::LogoutRequest req;
      req.server = *logout_server;
      auto reply = call(cli, req);
      if (!reply) return report_error(reply.error().message, 1);
      // An asupd that names no server logged out of the one asked for.
      std::string name =
          reply.value().server.empty() ? server_name(*logout_server) : reply.value().server;
      if (reply.value().removed)
        std::printf("Removing login credentials for %s\n", name.c_str());
      else
        std::printf("Not logged in to %s\n", name.c_str());
      return 0;
    };
  });
}

}  // namespace asup::cli
