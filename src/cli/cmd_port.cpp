// asupctl port CONTAINER [PRIVATE_PORT[/PROTO]]: the host addresses a container's ports are
// published on, in Docker's words.
#include <algorithm>
#include <cstdio>
#include <tuple>

#include "cli/common.hpp"

namespace asup::cli {
namespace {

// "80" -> "80/tcp"; empty when the text is no port.
std::string normalized_port(const std::string& text) {
  auto slash = text.find('/');
  std::string number = text.substr(0, slash);
  std::string protocol = slash == std::string::npos ? "tcp" : text.substr(slash + 1);
  if (number.empty() || number.size() > 5 ||
      !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "";
  int value = std::stoi(number);
  if (value < 1 || value > 65535) return "";
  if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") return "";
  return std::to_string(value) + "/" + protocol;
}

int print_ports(std::vector<api::PublishedPort> mappings, const std::string& container,
                const std::string& port) {
  if (mappings.empty() && !port.empty()) {
    std::fprintf(stderr, "Error: No public port '%s' published for %s\n", port.c_str(),
                 container.c_str());
    return 1;
  }
  // Docker sorts the lines in natural order: by port number first, not as text.
  std::sort(mappings.begin(), mappings.end(),
            [](const api::PublishedPort& a, const api::PublishedPort& b) {
              return std::tie(a.container_port, a.protocol, a.host_ip, a.host_port) <
                     std::tie(b.container_port, b.protocol, b.host_ip, b.host_port);
            });
  std::string out;
  for (auto& m : mappings) {
    if (port.empty()) out += std::to_string(m.container_port) + "/" + m.protocol + " -> ";
    out += host_and_port(m.host_ip, m.host_port) + "\n";
  }
  write_all(1, out);
  return 0;
}

}  // namespace

void add_port(CLI::App& app, Cli& cli) {
  struct Args {
    std::string container, port;
  };
  auto args = std::make_shared<Args>();
  auto* cmd =
      app.add_subcommand("port", "List port mappings or a specific mapping for the container");
  cmd->add_option("CONTAINER", args->container, "Container name or id")->required();
  cmd->add_option("PRIVATE_PORT", args->port, "PORT[/PROTO] inside the container (tcp by default)");
  cmd->callback([args, &cli] {
    cli.action = [args, &cli] {
      api::PortRequest req;
      req.id = args->container;
      if (!args->port.empty()) {
        req.port = normalized_port(args->port);
        if (req.port.empty()) return report_error("invalid port \"" + args->port + "\"", 1);
      }
      auto reply = call(cli, req);
      if (!reply) return report_error(reply.error().message, 1);
      return print_ports(std::move(reply.value().ports), args->container, req.port);
    };
  });
}

}  // namespace asup::cli
