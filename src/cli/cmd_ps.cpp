// asupctl ps [-a] [-q] [--format json]
#include <cstdio>

#include "cli/common.hpp"

namespace asup::cli {
namespace {

std::string status_text(const nlohmann::json& c) {
  auto state = c.value("state", "");
  std::int64_t now = now_seconds();
  if (state == "running")
    return "Up " + human_duration(now - c.value("started", std::int64_t{0}) / 1000000000);
  if (state == "exited")
    return "Exited (" + std::to_string(c.value("exit_code", 0)) + ") " +
           human_duration(now - c.value("finished", std::int64_t{0}) / 1000000000) + " ago";
  return "Created";
}

std::string command_text(const nlohmann::json& c) {
  std::string cmd;
  for (auto& a : c.value("command", std::vector<std::string>{}))
    cmd += (cmd.empty() ? "" : " ") + a;
  return "\"" + truncate(cmd, 20) + "\"";
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
  cmd->add_option("--format", f->format, "\"json\" prints one JSON object per line")
      ->check(CLI::IsMember({"json", "table"}));
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      auto reply = call(cli, {{"op", "ps"}, {"all", f->all}});
      if (!reply) return report_error(reply.error().describe(), 1);
      auto list = reply.value().value("containers", nlohmann::json::array());
      if (f->quiet) {
        std::string out;
        for (auto& c : list) out += c.value("id", "").substr(0, 12) + "\n";
        write_all(1, out);
        return 0;
      }
      if (f->format == "json") {
        std::string out;
        for (auto& c : list) {
          nlohmann::json row{{"ID", c.value("id", "").substr(0, 12)},
                             {"Image", c.value("image", "")},
                             {"Command", command_text(c)},
                             {"CreatedAt", c.value("created", std::int64_t{0}) / 1000000000},
                             {"State", c.value("state", "")},
                             {"Status", status_text(c)},
                             {"Names", c.value("name", "")}};
          out += row.dump() + "\n";
        }
        write_all(1, out);
        return 0;
      }
      std::vector<std::vector<std::string>> rows{
          {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
      for (auto& c : list) {
        std::int64_t age = now_seconds() - c.value("created", std::int64_t{0}) / 1000000000;
        rows.push_back({c.value("id", "").substr(0, 12), c.value("image", ""), command_text(c),
                        human_duration(age) + " ago", status_text(c), "", c.value("name", "")});
      }
      print_table(rows);
      return 0;
    };
  });
}

}  // namespace asup::cli
