// asupctl rmi [-f] IMAGE...: refused while a container uses the image, unless -f.
#include <cstdio>

#include "cli/common.hpp"

namespace asup::cli {

void add_rmi(CLI::App& app, Cli& cli) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("rmi", "Remove one or more images");
  cmd->add_flag("-f,--force", *force, "Remove even if containers use the image");
  cmd->add_option("IMAGE", *names, "Image reference or id")->required();
  cmd->callback([names, force, &cli] {
    cli.action = [names, force, &cli] {
      auto reply = call(cli, {{"op", "rmi"}, {"images", *names}, {"force", *force}});
      if (!reply) return report_error(reply.error().describe(), 1);
      int code = 0;
      for (auto& item : reply.value().value("results", nlohmann::json::array())) {
        if (item.contains("error")) {
          std::fprintf(stderr, "Error response from daemon: %s\n",
                       item["error"].get<std::string>().c_str());
          code = 1;
          continue;
        }
        for (auto& line : item.value("lines", std::vector<std::string>{}))
          std::printf("%s\n", line.c_str());
      }
      return code;
    };
  });
}

}  // namespace asup::cli
