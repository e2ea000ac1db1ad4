#include "cli/run_storage_flags.hpp"

#include <unistd.h>

namespace asup::cli {
namespace {

// --mount's "source=./dir" (or ".") means the client's directory, as Docker's CLI reads
// it; asupd resolves paths from its own, so the client makes it absolute. Quoted CSV is
// sent as typed.
std::string with_absolute_source(const std::string& text) {
  if (text.find('"') != std::string::npos) return text;
  char cwd[4096];
  if (!::getcwd(cwd, sizeof cwd)) return text;
  std::string out;
  std::size_t start = 0;
  for (;;) {
    auto comma = text.find(',', start);
    std::string field = text.substr(start, comma - start);
    auto eq = field.find('=');
    std::string key = field.substr(0, eq),
                value = eq == std::string::npos ? "" : field.substr(eq + 1);
    if ((key == "source" || key == "src") && (value == "." || value.rfind("./", 0) == 0))
      field = key + "=" + std::string{cwd} + "/" + value;
    if (start != 0) out += ',';
    out += field;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

void add_storage_flags(CLI::App& cmd, StorageFlags& flags) {
  cmd.add_option("--mount", flags.mounts,
                 "Attach a filesystem mount to the container "
                 "(type=bind|volume|tmpfs,source=...,target=...,readonly,...)")
      ->allow_extra_args(false);
  cmd.add_option("--volumes-from", flags.volumes_from,
                 "Mount volumes from the specified container(s) (CONTAINER[:ro|rw])")
      ->allow_extra_args(false);
}

void add_storage(const StorageFlags& flags, api::RunRequest& req) {
  for (const auto& m : flags.mounts) req.mounts.push_back(with_absolute_source(m));
  req.volumes_from = flags.volumes_from;
}

}  // namespace asup::cli
