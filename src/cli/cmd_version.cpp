// asupctl version [-f FORMAT]: the client's and asupd's releases, as `docker version` lays
// them out, or as a Go template over Docker's shape ({{.Client.Version}},
// {{.Server.Version}}, {{json .}}).
#include <sys/utsname.h>

#include <cstdio>

#include "asup/protocol.hpp"
#include "cli/common.hpp"
#include "template/template.hpp"

namespace asup::cli {
namespace {

std::string client_arch() {
  struct utsname u {};
  if (::uname(&u) != 0) return "unknown";
  const std::string machine = u.machine;
  return machine == "x86_64" ? "amd64" : machine == "aarch64" ? "arm64" : machine;
}

// Docker's version document: string versions, the engine as the server's one component.
nlohmann::json version_document(const api::VersionResult* server) {
  std::string api = std::to_string(protocol::kVersion);
  nlohmann::json doc{{"Client",
                      {{"Platform", {{"Name", "asup"}}},
                       {"Version", ASUP_VERSION},
                       {"ApiVersion", api},
                       {"DefaultAPIVersion", api},
                       {"Os", "linux"},
                       {"Arch", client_arch()},
                       {"Context", "default"}}},
                     {"Server", nullptr}};
  if (!server) return doc;
  const auto& v = *server;
  nlohmann::json details{{"ApiVersion", std::to_string(v.api_version)},
                         {"MinAPIVersion", std::to_string(v.api_version)},
                         {"Os", v.os},
                         {"Arch", v.arch},
                         {"KernelVersion", v.kernel_version},
                         {"CgroupVersion", v.cgroup_version},
                         {"EventLoop", v.event_loop}};
  nlohmann::json engine{{"Name", "Engine"}, {"Version", v.version}, {"Details", details}};
  doc["Server"] = {{"Platform", {{"Name", "asup"}}},
                   {"Components", nlohmann::json::array({engine})},
                   {"Version", v.version},
                   {"ApiVersion", details["ApiVersion"]},
                   {"MinAPIVersion", details["MinAPIVersion"]},
                   {"Os", v.os},
                   {"Arch", v.arch},
                   {"KernelVersion", v.kernel_version}};
  return doc;
}

int version_table(Cli& cli) {
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

// As Docker: the template is checked first (64 when it does not parse); without a daemon
// the client's part still prints and the command fails after it.
int version_formatted(Cli& cli, const std::string& format) {
  auto parsed = tmpl::Template::parse(format == "json" ? "{{json .}}" : format);
  if (!parsed) return report_error("template parsing error: " + parsed.error().message, 64);
  auto server = call(cli, api::VersionRequest{});
  std::string out;
  auto done = parsed.value().execute(version_document(server ? &server.value() : nullptr), out);
  if (!done) return report_error("template parsing error: " + done.error().message, 1);
  write_all(1, out + "\n");
  if (!server) return report_error(server.error().message, 1);
  return 0;
}

}  // namespace

void add_version(CLI::App& app, Cli& cli) {
  auto format = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("version", "Show the asup version information");
  cmd->add_option("-f,--format", *format,
                  "Format output using a custom template: 'json' or a Go template such as "
                  "'{{.Server.Version}}'");
  cmd->callback([format, &cli] {
    cli.action = [format, &cli] {
      return format->empty() ? version_table(cli) : version_formatted(cli, *format);
    };
  });
}

}  // namespace asup::cli
