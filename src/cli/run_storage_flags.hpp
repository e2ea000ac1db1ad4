// The storage flags of `run` and `create` beyond -v and --tmpfs: --mount and --volumes-from.
// Sent as typed: asupd parses them with -v (one parser, Docker's texts), since a bind's
// source and another container's mounts are the daemon's to check.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "api/requests.hpp"

namespace asup::cli {

struct StorageFlags {
  std::vector<std::string> mounts, volumes_from;
};

void add_storage_flags(CLI::App& cmd, StorageFlags& flags);
void add_storage(const StorageFlags& flags, api::RunRequest& req);

}  // namespace asup::cli
