// The flags of `run` and `create` about namespaces and the host: --pid, --ipc, --uts,
// --cgroupns, --domainname, --annotation, --runtime, --link, --volume-driver, and those
// naming what this host has not (--storage-opt, --gpus, --isolation, --ip6,
// --link-local-ip), which asupd refuses with Docker's texts.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "api/requests.hpp"

namespace asup::cli {

struct HostFlags {
  std::string pid, ipc, uts, cgroupns, domainname, runtime, volume_driver, gpus, isolation, ip6;
  std::vector<std::string> annotations, links, storage_opt, link_local_ips;
};

void add_host_flags(CLI::App& cmd, HostFlags& flags);

// As typed: asupd checks them, as it must for any client.
void add_host_options(const HostFlags& flags, api::RunRequest& req);

}  // namespace asup::cli
