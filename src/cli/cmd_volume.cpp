// asupctl volume COMMAND: Docker's management command for volumes: create, ls (list),
// inspect, rm (remove), prune.
#include <cstdio>

#include "cli/common.hpp"
#include "cli/inspect_format.hpp"
#include "cli/list_format.hpp"

namespace asup::cli {
namespace {

const ListKind kKind{"*formatter.volumeContext",
                     {{"Availability", "AVAILABILITY"},
                      {"CreatedAt", "CREATED AT"},
                      {"Driver", "DRIVER"},
                      {"Group", "GROUP"},
                      {"Labels", "LABELS"},
                      {"Links", "LINKS"},
                      {"Mountpoint", "MOUNTPOINT"},
                      {"Name", "VOLUME NAME"},
                      {"Scope", "SCOPE"},
                      {"Size", "SIZE"},
                      {"Status", "STATUS"}},
                     "{{.Driver}}\t{{.Name}}"};

// KEY=VALUE entries of --label and --opt; a bare KEY has an empty value, as Docker reads them.
std::map<std::string, std::string> key_values(const std::vector<std::string>& entries) {
  std::map<std::string, std::string> out;
  for (const auto& e : entries) {
    auto eq = e.find('=');
    out[e.substr(0, eq)] = eq == std::string::npos ? "" : e.substr(eq + 1);
  }
  return out;
}

void add_volume_create(CLI::App& group, Cli& cli) {
  struct Flags {
    std::string name, driver = "local";
    std::vector<std::string> labels, options;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = group.add_subcommand("create", "Create a volume");
  cmd->add_option("-d,--driver", f->driver, "Specify volume driver name")->capture_default_str();
  cmd->add_option("--label", f->labels, "Set metadata for a volume")->allow_extra_args(false);
  cmd->add_option("-o,--opt", f->options, "Set driver specific options")->allow_extra_args(false);
  cmd->add_option("VOLUME", f->name, "Volume name (default: a random name)");
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      api::VolumeCreateRequest req;
      req.name = f->name;
      req.driver = f->driver;
      req.labels = key_values(f->labels);
      req.options = key_values(f->options);
      return request(cli, req, [](const api::IdResult& reply) {
        write_all(1, reply.id + "\n");
        return 0;
      });
    };
  });
}

ListRow row_of(const api::VolumeSummary& v) {
  nlohmann::json fields{{"Availability", "N/A"},
                        {"CreatedAt", v.created_at},
                        {"Driver", v.driver},
                        {"Group", "N/A"},
                        {"Labels", labels_text(v.labels)},
                        {"Links", "N/A"},
                        {"Mountpoint", v.mountpoint},
                        {"Name", v.name},
                        {"Scope", v.scope},
                        {"Size", "N/A"},
                        {"Status", "N/A"}};
  return {std::move(fields), v.labels};
}

void add_volume_ls(CLI::App& group, Cli& cli) {
  struct Flags {
    bool quiet = false;
    std::string format;
    std::vector<std::string> filters;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = group.add_subcommand("ls", "List volumes");
  cmd->alias("list");
  cmd->add_flag("-q,--quiet", f->quiet, "Only display volume names");
  cmd->add_option("-f,--filter", f->filters,
                  "Provide filter values (e.g. \"dangling=true\", \"name=x\", \"label=k=v\")")
      ->allow_extra_args(false);
  cmd->add_option("--format", f->format,
                  "\"table\", \"json\" (a JSON object per line), or a Go template such as "
                  "'{{.Name}}: {{.Mountpoint}}'");
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      auto format = ListFormat::parse(f->format, kKind);
      if (!format) return report_error(format.error().message, 1);
      api::VolumeLsRequest req;
      req.filters = f->filters;
      return request(cli, req, [&](const api::VolumeLsResult& reply) {
        std::vector<ListRow> rows;
        for (auto& v : reply.volumes) rows.push_back(row_of(v));
        if (f->quiet) {
          std::string names;
          for (auto& v : reply.volumes) names += v.name + "\n";
          write_all(1, names);
          return 0;
        }
        auto printed = format.value().print(rows);
        return printed ? 0 : report_error(printed.error().message, 1);
      });
    };
  });
}

void add_volume_inspect(CLI::App& group, Cli& cli) {
  auto f = std::make_shared<InspectFlags>();
  auto* cmd =
      group.add_subcommand("inspect", "Display detailed information on one or more volumes");
  add_inspect_format(*cmd, *f);
  cmd->add_option("VOLUME", f->names, "Volume name")->required();
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      api::VolumeInspectRequest req;
      req.names = f->names;
      return inspect_request(cli, req, *f);
    };
  });
}

void add_volume_rm(CLI::App& group, Cli& cli) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = group.add_subcommand("rm", "Remove one or more volumes");
  cmd->alias("remove");
  cmd->add_flag("-f,--force", *force, "Force the removal of one or more volumes");
  cmd->add_option("VOLUME", *names, "Volume name")->required();
  cmd->callback([names, force, &cli] {
    cli.action = [names, force, &cli] {
      api::VolumeRmRequest req;
      req.names = *names;
      req.force = *force;
      return request(cli, req, [](auto& reply) { return print_results(reply); });
    };
  });
}

void add_volume_prune(CLI::App& group, Cli& cli) {
  struct Flags {
    bool all = false, force = false;
    std::vector<std::string> filters;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = group.add_subcommand("prune", "Remove unused local volumes");
  cmd->add_flag("-a,--all", f->all, "Remove all unused volumes, not just anonymous ones");
  cmd->add_flag("-f,--force", f->force, "Do not prompt for confirmation");
  cmd->add_option("--filter", f->filters, "Provide filter values (e.g. \"label=<label>\")")
      ->allow_extra_args(false);
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      const char* warning =
          f->all ? "WARNING! This will remove all local volumes not used by at least one "
                   "container."
                 : "WARNING! This will remove anonymous local volumes not used by at least one "
                   "container.";
      std::string out;
      if (f->force || confirm(warning)) {
        api::VolumePruneRequest req;
        req.filters = f->filters;
        req.all = f->all;
        auto reply = call(cli, req);
        if (!reply) return report_error(reply.error().message, 1);
        if (!reply.value().lines.empty()) {
          out += "Deleted Volumes:\n";
          for (auto& name : reply.value().lines) out += name + "\n";
          out += "\n";
        }
        out += "Total reclaimed space: " + human_size(reply.value().reclaimed) + "\n";
      } else {
        out += "Total reclaimed space: 0B\n";
      }
      std::fflush(stdout);
      write_all(1, out);
      return 0;
    };
  });
}

}  // namespace

void add_volume(CLI::App& app, Cli& cli) {
  auto* group = app.add_subcommand("volume", "Manage volumes");
  group->require_subcommand(1);
  for (auto add :
       {add_volume_create, add_volume_ls, add_volume_inspect, add_volume_rm, add_volume_prune})
    add(*group, cli);
}

}  // namespace asup::cli
