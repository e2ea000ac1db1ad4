// asupctl images [-a] [-q] [--digests] [--no-trunc] [--format FORMAT] (also `image ls`)
#include "cli/common.hpp"
#include "cli/list_format.hpp"
#include "image/reference.hpp"

namespace asup::cli {
namespace {

const std::map<std::string, std::string> kHeaders{{"Containers", "CONTAINERS"},
                                                  {"CreatedAt", "CREATED AT"},
                                                  {"CreatedSince", "CREATED"},
                                                  {"Digest", "DIGEST"},
                                                  {"ID", "IMAGE ID"},
                                                  {"Repository", "REPOSITORY"},
                                                  {"SharedSize", "SHARED SIZE"},
                                                  {"Size", "SIZE"},
                                                  {"Tag", "TAG"},
                                                  {"UniqueSize", "UNIQUE SIZE"},
                                                  {"VirtualSize", "VIRTUAL SIZE"}};
const ListKind kKind{"*formatter.ImageContext", kHeaders,
                     "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"};
const ListKind kKindWithDigests{
    "*formatter.ImageContext", kHeaders,
    "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"};

// One listing row per tag; an untagged image has one row per repo digest, or one of
// <none>s. A tag's digest is the repo digest of the same repository.
std::vector<ListRow> rows_of(const api::ImageSummary& img, bool no_trunc) {
  const std::string& id = img.id;
  std::int64_t created = img.created;
  std::string size = human_size(img.size);
  nlohmann::json base{
      {"Containers", std::to_string(img.containers)},
      {"CreatedAt", created > 0 ? go_time_text(created) : "N/A"},
      {"CreatedSince", created > 0 ? human_duration(now_seconds() - created) + " ago" : "N/A"},
      {"ID", no_trunc ? id : id.substr(id.find(':') + 1, 12)},
      {"SharedSize", "N/A"},
      {"Size", size},
      {"UniqueSize", "N/A"},
      {"VirtualSize", size}};
  auto row = [&](std::string repository, std::string tag, std::string digest) {
    ListRow r{base, {}};
    r.fields["Repository"] = std::move(repository);
    r.fields["Tag"] = std::move(tag);
    r.fields["Digest"] = std::move(digest);
    return r;
  };

  std::vector<std::pair<std::string, std::string>> digests;  // familiar repository, digest
  for (auto& d : img.repo_digests)
    if (auto ref = image::parse_reference(d); ref && !ref.value().digest.empty())
      digests.emplace_back(ref.value().familiar_repository(), ref.value().digest);
  std::vector<ListRow> rows;
  for (auto& r : img.references) {
    auto ref = image::parse_reference(r);
    if (!ref) continue;
    std::string repository = ref.value().familiar_repository();
    std::string digest = "<none>";
    for (auto& [repo, d] : digests)
      if (repo == repository) {
        digest = d;
        break;
      }
    rows.push_back(row(repository, ref.value().tag.empty() ? "<none>" : ref.value().tag, digest));
  }
  if (rows.empty())
    for (auto& [repo, d] : digests) rows.push_back(row(repo, "<none>", d));
  if (rows.empty()) rows.push_back(row("<none>", "<none>", "<none>"));
  return rows;
}

}  // namespace

void add_images(CLI::App& app, Cli& cli) {
  struct Flags {
    bool all = false, quiet = false, digests = false, no_trunc = false;
    std::string format;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("images", "List images");
  cmd->add_flag("-a,--all", f->all, "Show all images (there are no intermediate ones to hide)");
  cmd->add_flag("-q,--quiet", f->quiet, "Only show image ids");
  cmd->add_flag("--digests", f->digests, "Show digests");
  cmd->add_flag("--no-trunc", f->no_trunc, "Don't truncate output");
  cmd->add_option("--format", f->format,
                  "\"table\", \"json\" (a JSON object per line), or a Go template such as "
                  "'{{.Repository}}:{{.Tag}}'");
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      auto format = ListFormat::parse(f->format, f->digests ? kKindWithDigests : kKind);
      if (!format) return report_error(format.error().message, 1);
      auto reply = call(cli, api::ImagesRequest{});
      if (!reply) return report_error(reply.error().message, 1);
      std::vector<ListRow> rows;
      std::string ids;
      for (auto& img : reply.value().images) {
        auto image_rows = rows_of(img, f->no_trunc);
        ids += image_rows.front().fields.value("ID", "") + "\n";
        rows.insert(rows.end(), image_rows.begin(), image_rows.end());
      }
      if (f->quiet) {
        write_all(1, ids);
        return 0;
      }
      auto printed = format.value().print(rows);
      return printed ? 0 : report_error(printed.error().message, 1);
    };
  });
}

}  // namespace asup::cli
