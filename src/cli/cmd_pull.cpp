// asupctl pull [-q] [--platform os/arch[/variant]] REF: per-layer progress on a terminal,
// plain status lines otherwise, as docker pull prints them.
#include <unistd.h>

#include <cstdio>
#include <map>

#include "cli/common.hpp"
#include "image/reference.hpp"

namespace asup::cli {
namespace {

// Redraws one line per layer in place on a terminal; prints each new status once
// elsewhere.
class ProgressView {
 public:
  ProgressView(FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

  void status(const std::string& text) {
    std::fprintf(out_, "%s\n", text.c_str());
    std::fflush(out_);
  }

  void layer(const api::Progress& m) {
    const std::string& id = m.id;
    const std::string& st = m.status;
    std::int64_t current = m.current;
    std::int64_t total = m.total;
    auto [it, is_new] = index_.try_emplace(id, ids_.size());
    if (is_new) ids_.push_back(id);
    std::string line = id + ": " + st;
    if (st == "Downloading" && total > 0) line += " " + bar(current, total);
    if (!terminal_) {
      if (last_[id] != st) std::fprintf(out_, "%s: %s\n", id.c_str(), st.c_str());
      last_[id] = st;
      return;
    }
    if (is_new) {
      std::fprintf(out_, "%s\n", line.c_str());
    } else {
      // Up to the layer's line, rewrite it, back down to the end.
      std::size_t up = ids_.size() - it->second;
      std::fprintf(out_, "\033[%zuA\r\033[2K%s\r\033[%zuB", up, line.c_str(), up);
    }
    std::fflush(out_);
  }

 private:
  static std::string bar(std::int64_t current, std::int64_t total) {
    constexpr int kWidth = 40;
    int filled = static_cast<int>(kWidth * current / total);
    std::string b = "[";
    for (int i = 0; i < kWidth; ++i) b += i < filled ? "=" : i == filled ? ">" : " ";
    return b + "] " + human_size(current) + "/" + human_size(total);
  }

  FILE* out_;
  bool terminal_;
  std::vector<std::string> ids_;
  std::map<std::string, std::size_t> index_;
  std::map<std::string, std::string> last_;
};

}  // namespace

int pull_image(Cli& cli, const std::string& reference, const std::string& platform, bool quiet,
               FILE* out) {
  auto ref = image::parse_reference(reference);
  if (!ref) return report_error(ref.error().describe(), 1);
  auto client = connect(cli);
  if (!client) return report_error(client.error().describe(), 1);
  auto& c = client.value();
  api::PullRequest req;
  req.reference = reference;
  req.platform = platform;
  if (auto sent = send(c, req); !sent) return report_error(sent.error().message, 1);
  if (!out) quiet = true;  // silent: not even the reference at the end
  ProgressView view(out ? out : stderr, out && ::isatty(::fileno(out)) == 1);
  if (!quiet && reference.find(':', reference.rfind('/') + 1) == std::string::npos &&
      reference.find('@') == std::string::npos)
    view.status("Using default tag: latest");
  for (;;) {
    auto reply = next_reply<api::StatusLine, api::Progress, api::PullResult>(c);
    if (!reply) return report_error(reply.error().message, 1);
    if (auto* status = std::get_if<api::StatusLine>(&reply.value())) {
      if (!quiet) view.status(status->status);
    } else if (auto* layer = std::get_if<api::Progress>(&reply.value())) {
      if (!quiet) view.layer(*layer);
    } else {
      auto& pulled = std::get<api::PullResult>(reply.value());
      auto full = image::parse_reference(pulled.reference);
      std::string familiar = full ? full.value().familiar() : pulled.reference;
      if (!quiet)
        view.status(
            std::string("Status: ") +
            (pulled.downloaded ? "Downloaded newer image for " : "Image is up to date for ") +
            familiar);
      if (out) std::fprintf(out, "%s\n", pulled.reference.c_str());
      return 0;
    }
  }
}

void add_pull(CLI::App& app, Cli& cli) {
  auto quiet = std::make_shared<bool>(false);
  auto platform = std::make_shared<std::string>();
  auto reference = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("pull", "Download an image from a registry");
  cmd->add_flag("-q,--quiet", *quiet, "Suppress verbose output");
  cmd->add_option("--platform", *platform, "Set platform if server is multi-platform capable");
  cmd->add_option("NAME", *reference, "Image reference (NAME[:TAG|@DIGEST])")->required();
  cmd->callback([quiet, platform, reference, &cli] {
    cli.action = [quiet, platform, reference, &cli] {
      return pull_image(cli, *reference, *platform, *quiet, stdout);
    };
  });
}

}  // namespace asup::cli
