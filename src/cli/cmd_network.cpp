// asupctl network COMMAND: Docker's management command for networks: create, ls (list),
// inspect, rm (remove), connect, disconnect.
#include <algorithm>
#include <cstdio>

#include "cli/common.hpp"
#include "cli/inspect_format.hpp"
#include "cli/list_format.hpp"

namespace asup::cli {
namespace {

const ListKind kKind{"*formatter.networkContext",
                     {{"CreatedAt", "CREATED AT"},
                      {"Driver", "DRIVER"},
                      {"ID", "NETWORK ID"},
                      {"IPv6", "IPV6"},
                      {"Internal", "INTERNAL"},
                      {"Labels", "LABELS"},
                      {"Name", "NAME"},
                      {"Scope", "SCOPE"}},
                     "{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"};

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
      api::NetworkCreateRequest req;
      req.name = f->name;
      req.subnet = f->subnet;
      req.gateway = f->gateway;
      req.driver = f->driver;
      req.internal = f->internal;
      return request(cli, req, [](const api::IdResult& reply) {
        write_all(1, reply.id + "\n");
        return 0;
      });
    };
  });
}

ListRow row_of(const api::NetworkSummary& n, bool no_trunc) {
  std::int64_t created = n.created / 1000000000;
  nlohmann::json fields{{"CreatedAt", created > 0 ? go_time_text(created) : ""},
                        {"Driver", n.driver},
                        {"ID", no_trunc ? n.id : n.id.substr(0, 12)},
                        {"IPv6", "false"},
                        {"Internal", n.internal ? "true" : "false"},
                        {"Labels", ""},
                        {"Name", n.name},
                        {"Scope", n.scope}};
  return {std::move(fields), {}};
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
                  "\"table\", \"json\" (a JSON object per line), or a Go template such as "
                  "'{{.ID}}: {{.Name}}'");
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      auto format = ListFormat::parse(f->format, kKind);
      if (!format) return report_error(format.error().message, 1);
      return request(cli, api::NetworkLsRequest{}, [&](const api::NetworkLsResult& reply) {
        std::vector<ListRow> rows;
        for (auto& n : reply.networks) rows.push_back(row_of(n, f->no_trunc));
        // Docker lists networks by name, whatever order the daemon keeps them in.
        std::sort(rows.begin(), rows.end(), [](const ListRow& a, const ListRow& b) {
          return a.fields.value("Name", "") < b.fields.value("Name", "");
        });
        if (f->quiet) {
          std::string ids;
          for (auto& row : rows) ids += row.fields.value("ID", "") + "\n";
          write_all(1, ids);
          return 0;
        }
        auto printed = format.value().print(rows);
        return printed ? 0 : report_error(printed.error().message, 1);
      });
    };
  });
}

void add_network_inspect(CLI::App& group, Cli& cli) {
  auto f = std::make_shared<InspectFlags>();
  auto* cmd =
      group.add_subcommand("inspect", "Display detailed information on one or more networks");
  add_inspect_format(*cmd, *f);
  cmd->add_option("NETWORK", f->names, "Network name or id")->required();
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      api::NetworkInspectRequest req;
      req.names = f->names;
      return inspect_request(cli, req, *f);
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
      api::NetworkRmRequest req;
      req.names = *names;
      return request(cli, req, [](auto& reply) { return print_results(reply); });
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
      api::NetworkConnectRequest req;
      req.network = f->network;
      req.container = f->container;
      req.ip = f->ip;
      req.aliases = f->aliases;
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
      api::NetworkDisconnectRequest req;
      req.network = f->network;
      req.container = f->container;
      req.force = f->force;
      return request(cli, req);
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
