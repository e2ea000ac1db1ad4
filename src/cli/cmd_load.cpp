// asupctl load [-i FILE]: an OCI layout tar or a `docker save` tar; stdin by default.
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "cli/common.hpp"
#include "core/fs.hpp"
#include "image/reference.hpp"

namespace asup::cli {

void add_load(CLI::App& app, Cli& cli) {
  auto input = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("load", "Load an image from a tar archive or stdin");
  cmd->add_option("-i,--input", *input, "Read from a tar archive file instead of stdin");
  cmd->add_flag("-q,--quiet", *quiet, "Suppress the load output");
  cmd->callback([input, quiet, &cli] {
    cli.action = [input, quiet, &cli] {
      std::string path;
      if (input->empty()) {
        if (::isatty(0)) return report_error("requested load from stdin, but stdin is empty", 1);
        // asupd runs as root on this host: it reads our stdin through /proc.
        path = "/proc/" + std::to_string(::getpid()) + "/fd/0";
      } else {
        if (::access(input->c_str(), R_OK) != 0)
          return report_error("open " + *input + ": " + std::strerror(errno), 1);
        path = fs::absolute(*input);
      }
      api::LoadRequest req;
      req.path = path;
      auto reply = call(cli, req);
      if (!reply) return report_error(reply.error().message, 1);
      if (*quiet) return 0;
      for (auto& r : reply.value().loaded) {
        auto ref = image::parse_reference(r);
        if (r.rfind("sha256:", 0) == 0 || !ref)
          std::printf("Loaded image ID: %s\n", r.c_str());
        else
          std::printf("Loaded image: %s\n", ref.value().familiar().c_str());
      }
      return 0;
    };
  });
}

}  // namespace asup::cli
