// asupctl images
#include "cli/common.hpp"
#include "image/reference.hpp"

namespace asup::cli {

void add_images(CLI::App& app, Cli& cli) {
  auto quiet = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("images", "List images");
  cmd->add_flag("-q,--quiet", *quiet, "Only show image ids");
  cmd->callback([quiet, &cli] {
    cli.action = [quiet, &cli] {
      auto reply = call(cli, {{"op", "images"}});
      if (!reply) return report_error(reply.error().describe(), 1);
      std::vector<std::vector<std::string>> rows{
          {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"}};
      std::string ids;
      for (auto& img : reply.value().value("images", nlohmann::json::array())) {
        std::string id = img.value("id", "");
        std::string short_id = id.substr(id.find(':') + 1, 12);
        ids += short_id + "\n";
        std::int64_t created = img.value("created", std::int64_t{0});
        std::string age = created > 0 ? human_duration(now_seconds() - created) + " ago" : "N/A";
        std::string size = human_size(img.value("size", std::int64_t{0}));
        auto refs = img.value("references", std::vector<std::string>{});
        if (refs.empty()) rows.push_back({"<none>", "<none>", short_id, age, size});
        for (auto& r : refs) {
          auto ref = image::parse_reference(r);
          if (!ref) continue;
          rows.push_back({ref.value().familiar_repository(),
                          ref.value().tag.empty() ? "<none>" : ref.value().tag, short_id, age,
                          size});
        }
      }
      if (*quiet)
        write_all(1, ids);
      else
        print_table(rows);
      return 0;
    };
  });
}

}  // namespace asup::cli
