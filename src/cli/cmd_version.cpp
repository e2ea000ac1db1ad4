// asupctl version: the client's and asupd's releases, as `docker version` lays them out.
#include <sys/utsname.h>

#include <cstdio>

#include "asup/protocol.hpp"
#include "cli/common.hpp"

namespace asup::cli {
namespace {

std::string client_arch() {
  struct utsname u {};
  if (::uname(&u) != 0) return "unknown";
  const std::string machine = u.machine;
  return machine == "x86_64" ? "amd64" : machine == "aarch64" ? "arm64" : machine;
}

int version_command(Cli& cli) {
  std::printf(
      "Client:\n Version:           %s\n API version:       %d\n OS/Arch:           linux/%s\n",
      ASUP_VERSION, protocol::kVersion, client_arch().c_str());
  std::fflush(stdout);
  auto server = call(cli, api::VersionRequest{});
  if (!server) return report_error(server.error().message, 1);
  const auto& v = server.value();
  std::printf(
      "\nServer:\n Engine:\n  Version:          %s\n  API version:      %d\n"
      "  OS/Arch:          %s/%s\n  Kernel Version:   %s\n  Cgroup Version:   %s\n"
      "  Event loop:       %s\n",
      v.version.c_str(), v.api_version, v.os.c_str(), v.arch.c_str(), v.kernel_version.c_str(),
      v.cgroup_version.c_str(), v.event_loop.c_str());
  return 0;
}

}  // namespace

void add_version(CLI::App& app, Cli& cli) {
  auto* cmd = app.add_subcommand("version", "Show the asup version information");
  cmd->callback([&cli] { cli.action = [&cli] { return version_command(cli); }; });
}

}  // namespace asup::cli
