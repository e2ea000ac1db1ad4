// asupctl network COMMAND: Docker's management command for networks: create, ls (list),
// inspect, rm (remove), connect, disconnect.
#include <algorithm>
#include <cstdio>

#include "cli/common.hpp"
#include "cli/list_format.hpp"

namespace asup::cli {
namespace {

const std::map<std::string, std::string> kColumns{
    {"CreatedAt", "CREATED AT"}, {"Driver", "DRIVER"}, {"ID", "NETWORK ID"}, {"IPv6", "IPV6"},
    {"Internal", "INTERNAL"},    {"Labels", "LABELS"}, {"Name", "NAME"},     {"Scope", "SCOPE"}};
constexpr const char* kTable = "{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";

// A request whose reply needs nothing more than `print` (nothing by default).
int request(Cli& cli, const nlohmann::json& req,
            const std::function<void(const nlohmann::json&)>& print = {}) {
  auto reply = call(cli, req);
  if (!reply) return report_error(reply.error().describe(), 1);
  if (print) print(reply.value());
  return 0;
}

void add_network_create(CLI::App& group, Cli& cli) {
  struct Flags {
    std::string name, subnet, gateway, driver = "bridge";
    bool internal = false;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = group.add_subcommand("create", "Create a network");
  cmd->add_option("--subnet", f->subnet, "Subnet in CIDR format (e.g. 10.89.1.0/24)");
  cmd->add_option("--gateway", f->gateway, "IPv4 gateway of the subnet (default: its first host)");
  cmd->add_option("-d,--driver", f->driver, "Driver to manage the network (bridge)")
      ->capture_default_str();
  cmd->add_flag("--internal", f->internal, "Restrict external access to the network");
  cmd->add_option("NAME", f->name, "Network name")->required();
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      // The daemon judges the driver, the subnet and the gateway: one place for the rules.
      nlohmann::json req{{"op", "network_create"},
                         {"name", f->name},
                         {"driver", f->driver},
                         {"internal", f->internal}};
      if (!f->subnet.empty()) req["subnet"] = f->subnet;
      if (!f->gateway.empty()) req["gateway"] = f->gateway;
      return request(cli, req, [](const nlohmann::json& reply) {
        write_all(1, reply.value("id", "") + "\n");
      });
    };
  });
}

nlohmann::json row_of(const nlohmann::json& n, bool no_trunc) {
  std::string id = n.value("id", "");
  std::int64_t created = n.value("created", std::int64_t{0}) / 1000000000;
  return {{"CreatedAt", created > 0 ? go_time_text(created) : ""},
          {"Driver", n.value("driver", "")},
          {"ID", no_trunc ? id : id.substr(0, 12)},
          {"IPv6", "false"},
          {"Internal", n.value("internal", false) ? "true" : "false"},
          {"Labels", ""},
          {"Name", n.value("name", "")},
          {"Scope", n.value("scope", "local")}};
}

void add_network_ls(CLI::App& group, Cli& cli) {
  struct Flags {
    bool quiet = false, no_trunc = false;
    std::string format;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = group.add_subcommand("ls", "List networks");
  cmd->alias("list");
  cmd->add_flag("-q,--quiet", f->quiet, "Only display network ids");
  cmd->add_flag("--no-trunc", f->no_trunc, "Do not truncate the output");
  cmd->add_option("--format", f->format,
                  "\"table\", \"json\" (a JSON object per line), or a Go-style template "
                  "such as '{{.ID}}: {{.Name}}'");
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      auto format = ListFormat::parse(f->format, kColumns, kTable);
      if (!format) return report_error(format.error().describe(), 1);
      return request(cli, {{"op", "network_ls"}}, [&](const nlohmann::json& reply) {
        std::vector<nlohmann::json> rows;
        for (auto& n : reply.value("networks", nlohmann::json::array()))
          rows.push_back(row_of(n, f->no_trunc));
        // Docker lists networks by name, whatever order the daemon keeps them in.
        std::sort(rows.begin(), rows.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
          return a.value("Name", "") < b.value("Name", "");
        });
        if (f->quiet) {
          std::string ids;
          for (auto& row : rows) ids += row.value("ID", "") + "\n";
          write_all(1, ids);
        } else {
          format.value().print(rows);
        }
      });
    };
  });
}

void add_network_inspect(CLI::App& group, Cli& cli) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd =
      group.add_subcommand("inspect", "Display detailed information on one or more networks");
  cmd->add_option("NETWORK", *names, "Network name or id")->required();
  cmd->callback([names, &cli] {
    cli.action = [names, &cli] {
      auto reply = call(cli, {{"op", "network_inspect"}, {"names", *names}});
      if (!reply) return report_error(reply.error().describe(), 1);
      return print_inspect(reply.value());
    };
  });
}

void add_network_rm(CLI::App& group, Cli& cli) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = group.add_subcommand("rm", "Remove one or more networks");
  cmd->alias("remove");
  cmd->add_option("NETWORK", *names, "Network name or id")->required();
  cmd->callback([names, &cli] {
    cli.action = [names, &cli] {
      auto reply = call(cli, {{"op", "network_rm"}, {"names", *names}});
      if (!reply) return report_error(reply.error().describe(), 1);
      return print_results(reply.value(), [](auto& item) { return item.value("name", ""); });
    };
  });
}

void add_network_connect(CLI::App& group, Cli& cli) {
  struct Flags {
    std::string network, container, ip;
    std::vector<std::string> aliases;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = group.add_subcommand("connect", "Connect a container to a network");
  cmd->add_option("--ip", f->ip, "IPv4 address (e.g. 10.89.1.7)");
  cmd->add_option("--alias", f->aliases, "Add network-scoped alias for the container")
      ->allow_extra_args(false);
  cmd->add_option("NETWORK", f->network, "Network name or id")->required();
  cmd->add_option("CONTAINER", f->container, "Container name or id")->required();
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      nlohmann::json req{
          {"op", "network_connect"}, {"network", f->network}, {"container", f->container}};
      if (!f->ip.empty()) req["ip"] = f->ip;
      if (!f->aliases.empty()) req["aliases"] = f->aliases;
      return request(cli, req);
    };
  });
}

void add_network_disconnect(CLI::App& group, Cli& cli) {
  struct Flags {
    std::string network, container;
    bool force = false;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = group.add_subcommand("disconnect", "Disconnect a container from a network");
  cmd->add_flag("-f,--force", f->force, "Force the container to disconnect from a network");
  cmd->add_option("NETWORK", f->network, "Network name or id")->required();
  cmd->add_option("CONTAINER", f->container, "Container name or id")->required();
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      return request(cli, {{"op", "network_disconnect"},
                           {"network", f->network},
                           {"container", f->container},
                           {"force", f->force}});
    };
  });
}

}  // namespace

void add_network(CLI::App& app, Cli& cli) {
  auto* group = app.add_subcommand("network", "Manage networks");
  group->require_subcommand(1);
  for (auto add : {add_network_create, add_network_ls, add_network_inspect, add_network_rm,
                   add_network_connect, add_network_disconnect})
    add(*group, cli);
}

}  // namespace asup::cli
