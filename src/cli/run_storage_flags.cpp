#include "cli/run_storage_flags.hpp"

namespace asup::cli {

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
  req.mounts = flags.mounts;
  req.volumes_from = flags.volumes_from;
}

}  // namespace asup::cli
