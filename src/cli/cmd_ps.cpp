// asupctl ps [-a] [-q] [--format FORMAT]: Docker's columns and fields (its ContainerContext).
#include <algorithm>
#include <cstdio>
#include <map>
#include <tuple>

#include "cli/common.hpp"
#include "cli/list_format.hpp"
#include "template/go_format.hpp"

namespace asup::cli {
namespace {

// Docker's status words for each state.
std::string status_text(const api::ContainerSummary& c) {
  std::int64_t now = now_seconds();
  auto since = [now](std::int64_t ns) { return human_duration(now - ns / 1000000000); };
  auto code = "(" + std::to_string(c.exit_code) + ") ";
  // With a health check, Docker's Health.String() after it: "(health: starting)".
  if (c.state == "running" && !c.health.empty())
    return "Up " + since(c.started) + " (" +
           (c.health == "starting" ? "health: starting" : c.health) + ")";
  if (c.state == "running") return "Up " + since(c.started);
  if (c.state == "paused") return "Up " + since(c.started) + " (Paused)";
  // Waiting to start again: the last exit's code, and how long ago it was.
  if (c.state == "restarting") return "Restarting " + code + since(c.finished) + " ago";
  if (c.state == "exited") return "Exited " + code + since(c.finished) + " ago";
  return "Created";
}

// Docker's Command: the command line cut to 20 characters, Go-quoted.
std::string command_text(const api::ContainerSummary& c) {
  std::string cmd;
  for (auto& a : c.command) cmd += (cmd.empty() ? "" : " ") + a;
  return tmpl::go_quote(truncate(cmd, 20));
}

// Docker's DisplayablePorts: ports published on their own number (and exposed ones not
// published) are folded into ranges, "0.0.0.0:8000-8001->8000-8001/tcp", "80-81/tcp";
// every other mapping follows as "IP:HOST->CONTAINER/PROTO". Sorted as Docker sorts them.
std::string ports_text(const api::ContainerSummary& c) {
  struct Port {
    int private_port, public_port;
    std::string ip, protocol;
  };
  std::vector<Port> ports;
  for (auto& p : c.ports) ports.push_back({p.container_port, p.host_port, p.host_ip, p.protocol});
  std::sort(ports.begin(), ports.end(), [](const Port& a, const Port& b) {
    return std::tie(a.private_port, a.ip, a.public_port, a.protocol) <
           std::tie(b.private_port, b.ip, b.public_port, b.protocol);
  });
  struct Group {
    std::string ip, protocol;
    int first, last;
  };
  auto group_text = [](const Group& g) {
    std::string range = std::to_string(g.first);
    if (g.last != g.first) range += "-" + std::to_string(g.last);
    if (!g.ip.empty()) range = g.ip + ":" + range + "->" + range;  // unbracketed, as Docker does
    return range + "/" + g.protocol;
  };
  std::vector<std::string> items, mappings;
  std::vector<Group> open;  // one per (ip, protocol), in the order they first appear
  for (auto& p : ports) {
    if (!p.ip.empty() && p.public_port != p.private_port) {
      mappings.push_back(host_and_port(p.ip, p.public_port) + "->" +
                         std::to_string(p.private_port) + "/" + p.protocol);
      continue;
    }
    auto g = std::find_if(open.begin(), open.end(),
                          [&](const Group& x) { return x.ip == p.ip && x.protocol == p.protocol; });
    if (g == open.end()) {
      open.push_back({p.ip, p.protocol, p.private_port, p.private_port});
    } else if (p.private_port == g->last + 1) {
      g->last = p.private_port;
    } else {
      items.push_back(group_text(*g));
      g->first = g->last = p.private_port;
    }
  }
  for (auto& g : open) items.push_back(group_text(g));
  items.insert(items.end(), mappings.begin(), mappings.end());
  std::string out;
  for (auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string networks_text(const api::ContainerSummary& c) {
  std::string out;
  for (auto& n : c.networks) out += (out.empty() ? "" : ",") + n;
  return out;
}

// Docker's Mounts (a volume's name or else the source, cut to 15 characters) and
// LocalVolumes (how many are volumes of the local driver).
std::pair<std::string, std::string> mounts_text(const api::ContainerSummary& c) {
  std::string names;
  int local = 0;
  for (auto& m : c.mounts) {
    names += (names.empty() ? "" : ",") + truncate(m.name.empty() ? m.source : m.name, 15);
    if (m.driver == "local") ++local;
  }
  return {names, std::to_string(local)};
}

const ListKind kKind{"*formatter.ContainerContext",
                     {{"ID", "CONTAINER ID"},
                      {"Names", "NAMES"},
                      {"Image", "IMAGE"},
                      {"Command", "COMMAND"},
                      {"CreatedAt", "CREATED AT"},
                      {"RunningFor", "CREATED"},
                      {"Ports", "PORTS"},
                      {"State", "STATE"},
                      {"Status", "STATUS"},
                      {"Size", "SIZE"},
                      {"Labels", "LABELS"},
                      {"Mounts", "MOUNTS"},
                      {"LocalVolumes", "LOCAL VOLUMES"},
                      {"Networks", "NETWORKS"}},
                     "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t"
                     "{{.Names}}"};

// Every field is a string, as Docker's formatter gives them (and `--format json` prints).
ListRow row_of(const api::ContainerSummary& c) {
  std::int64_t created = c.created / 1000000000;
  auto [mounts, local_volumes] = mounts_text(c);
  nlohmann::json fields{{"ID", c.id.substr(0, 12)},
                        {"Image", c.image},
                        {"Command", command_text(c)},
                        {"CreatedAt", go_time_text(created)},
                        {"RunningFor", human_duration(now_seconds() - created) + " ago"},
                        {"Ports", ports_text(c)},
                        {"State", c.state},
                        {"Status", status_text(c)},
                        {"Size", "0B"},  // the size is only counted with -s, which asup lacks
                        {"Names", c.name},
                        {"Labels", labels_text(c.labels)},
                        {"Mounts", mounts},
                        {"LocalVolumes", local_volumes},
                        {"Networks", networks_text(c)}};
  return {std::move(fields), c.labels};
}

}  // namespace

void add_ps(CLI::App& app, Cli& cli) {
  struct Flags {
    bool all = false, quiet = false;
    std::string format;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("ps", "List containers");
  cmd->add_flag("-a,--all", f->all, "Show all containers (default shows just running)");
  cmd->add_flag("-q,--quiet", f->quiet, "Only display container ids");
  cmd->add_option("--format", f->format,
                  "\"table\", \"json\" (a JSON object per line), or a Go template such as "
                  "'table {{.ID}}\\t{{.Names}}'");
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      auto format = ListFormat::parse(f->format, kKind);
      if (!format) return report_error(format.error().message, 1);
      api::PsRequest req;
      req.all = f->all;
      auto reply = call(cli, req);
      if (!reply) return report_error(reply.error().message, 1);
      auto& list = reply.value().containers;
      if (f->quiet) {
        std::string out;
        for (auto& c : list) out += c.id.substr(0, 12) + "\n";
        write_all(1, out);
        return 0;
      }
      std::vector<ListRow> rows;
      for (auto& c : list) rows.push_back(row_of(c));
      auto printed = format.value().print(rows);
      return printed ? 0 : report_error(printed.error().message, 1);
    };
  });
}

}  // namespace asup::cli
