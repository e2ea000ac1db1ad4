// asupctl import FILE [REPOSITORY[:TAG]]: a root filesystem tar becomes a one-layer image.
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "cli/common.hpp"
#include "core/fs.hpp"

namespace asup::cli {

void add_import(CLI::App& app, Cli& cli) {
  auto file = std::make_shared<std::string>();
  auto ref = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("import", "Import a root filesystem tarball as an image");
  cmd->add_option("FILE", *file, "Tar archive, or - for stdin")->required();
  cmd->add_option("REPOSITORY[:TAG]", *ref, "Name for the image");
  cmd->callback([file, ref, &cli] {
    cli.action = [file, ref, &cli] {
      std::string path;
      if (*file == "-") {
        path = "/proc/" + std::to_string(::getpid()) + "/fd/0";
      } else {
        if (::access(file->c_str(), R_OK) != 0)
          return report_error("open " + *file + ": " + std::strerror(errno), 1);
        path = fs::absolute(*file);
      }
      api::ImportRequest req;
      req.path = path;
      req.reference = *ref;
      auto reply = call(cli, req);
      if (!reply) return report_error(reply.error().message, 1);
      std::printf("%s\n", reply.value().id.c_str());
      return 0;
    };
  });
}

}  // namespace asup::cli
